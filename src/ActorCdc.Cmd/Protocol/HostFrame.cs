using System.Text.Json.Serialization;

namespace ActorCdc.Cmd.Protocol;

/// <summary>
/// A frame the command host sends: <see cref="Welcome"/> or <see cref="Refused"/> in answer to the client's
/// <see cref="Hello"/>, then <see cref="Output"/> and <see cref="Done"/> frames of the commands it runs.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Welcome), "welcome")]
[JsonDerivedType(typeof(Refused), "refused")]
[JsonDerivedType(typeof(Output), "output")]
[JsonDerivedType(typeof(Done), "done")]
public abstract record HostFrame;
