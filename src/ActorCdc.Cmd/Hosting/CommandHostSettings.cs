using System.Net;

namespace ActorCdc.Cmd.Hosting;

/// <summary>
/// Where the command host listens and the token clients must present. Port 0 picks a free port. A host bound beyond
/// loopback requires a token (anyone who reaches the port could otherwise down the cluster); on loopback a
/// configured token is still checked.
/// </summary>
public sealed record CommandHostSettings(string Host, int Port, string? Token)
{
    public const int DefaultPort = 9110;

    /// <summary>Whether <see cref="Host"/> is a loopback address (<c>127.0.0.1</c>, <c>::1</c>, <c>localhost</c>).
    /// A name other than localhost counts as not loopback: what it resolves to can change.</summary>
    public bool IsLoopback => IsLoopbackHost(Host);

    public bool HasToken => !string.IsNullOrEmpty(Token);

    public static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>Throws <see cref="CommandHostSettingsException"/> naming the first setting that is not acceptable.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
            throw new CommandHostSettingsException("host", Host, "an IP address or host name to listen on, such as 127.0.0.1");
        if (Port is < 0 or > 65535)
            throw new CommandHostSettingsException("port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "a TCP port between 0 and 65535 (0 = any free port)");
        if (!IsLoopback && !HasToken)
            throw new CommandHostSettingsException("token", null, $"a token when the command host listens beyond loopback (host {Host})");
    }

    // The token never appears in logs.
    public override string ToString() => $"CommandHostSettings {{ Host = {Host}, Port = {Port}, Token = {(HasToken ? "(set)" : "(none)")} }}";
}
