using System.Text.Json.Serialization;

namespace ActorCdc.Cmd.Protocol;

/// <summary>
/// A frame the client sends to the command host: <see cref="Hello"/> once, then <see cref="Execute"/> and
/// <see cref="Cancel"/> in any order. On the wire: a JSON object whose <c>type</c> property names the frame.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Hello), "hello")]
[JsonDerivedType(typeof(Execute), "execute")]
[JsonDerivedType(typeof(Cancel), "cancel")]
public abstract record ClientFrame;
