using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary>Everything under <c>actorcdc</c>, validated at start.</summary>
public sealed record ActorCdcSettings(IReadOnlyList<PipelineSettings> Pipelines, NodeSettings Node, StateSettings State)
{
    /// <summary>The record's members with every secret masked (settings end up in logs and error messages).</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("ActorCdcSettings { ");
        if (PrintMembers(text)) text.Append(' ');
        return ActorCdc.Core.Diagnostics.SecretMasker.Apply(text.Append('}').ToString());
    }

    /// <summary><c>actorcdc.metrics</c>: the Prometheus and health endpoint.</summary>
    public MetricsSettings Metrics { get; init; } = MetricsSettings.Default;

    public static ActorCdcSettings Parse(Config root)
    {
        if (!root.HasPath("actorcdc")) throw new SettingsException("actorcdc", null, "a configuration block (see hocon/actorcdc.conf)");
        var defaults = root.HasPath("actorcdc.pipeline-defaults") ? root.GetConfig("actorcdc.pipeline-defaults") : Config.Empty;
        var state = StateSettings.Parse(new ConfigReader(root.HasPath("actorcdc.state") ? root.GetConfig("actorcdc.state") : Config.Empty, "actorcdc.state"));
        var pipelines = new List<PipelineSettings>();
        if (root.HasPath("actorcdc.pipelines"))
        {
            var block = root.GetConfig("actorcdc.pipelines");
            foreach (var name in block.Root.GetObject().Items.Keys.OrderBy(k => k, StringComparer.Ordinal))
                pipelines.Add(PipelineSettings.ParseWithProfiles(name, block.GetConfig(name), defaults, state.DataDirectory));
        }
        var node = NodeSettings.Parse(new ConfigReader(root.GetConfig("actorcdc.node") ?? Config.Empty, "actorcdc.node"));
        var slots = pipelines.GroupBy(p => (p.Source.ConnectionString, p.Source.Slot)).FirstOrDefault(g => g.Count() > 1);
        if (slots is not null)
            throw new SettingsException($"actorcdc.pipelines.{slots.Last().Name}.source.slot", slots.Key.Slot, "a slot no other pipeline of the same database uses");
        var metrics = MetricsSettings.Parse(new ConfigReader(root.HasPath("actorcdc.metrics") ? root.GetConfig("actorcdc.metrics") : Config.Empty, "actorcdc.metrics"));
        return new ActorCdcSettings(pipelines, node, state) { Metrics = metrics };
    }
}
