using System.Text.Json.Serialization;

namespace ActorCdc.Cmd.Protocol;

/// <summary>
/// Source-generated serializers of the frames (trim and AOT safe, no reflection at run time). Nullable annotations
/// and constructor parameters are enforced, so a frame missing a field is a protocol error, not a null later on.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ClientFrame))]
[JsonSerializable(typeof(HostFrame))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;
