using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorCdc.Node.Metrics;

/// <summary>The body of <c>/readyz</c>: ready or not, why not, and each pipeline's state as this node sees it.</summary>
public sealed record ReadinessReport(bool Ready, IReadOnlyList<string> Reasons, IReadOnlyDictionary<string, string> Pipelines)
{
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
