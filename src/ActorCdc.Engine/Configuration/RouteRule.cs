using System.Text.RegularExpressions;

namespace ActorCdc.Engine.Configuration;

/// <summary>One routing rule: a source table matching <see cref="From"/> (whole name) goes to <see cref="To"/> ($1.. groups).</summary>
public sealed record RouteRule(Regex From, string To);
