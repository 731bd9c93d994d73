namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// One argument of a command: its name (the key in <see cref="CommandRequest.Arguments"/>), the switches that set it
/// (<c>-p</c>, <c>--pipeline</c>), whether it is mandatory, whether it is a flag (no value; present = "true"), and a
/// default used when it is absent. Mandatory arguments may also be given positionally, in definition order.
/// </summary>
public sealed record ArgumentDefinition(
    string Name,
    IReadOnlyList<string> Switches,
    string Description,
    bool Mandatory = false,
    bool IsFlag = false,
    string? Default = null);
