using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Sinks;
using ActorCdc.Source.Postgres;
using Npgsql;

namespace ActorCdc.Node;

/// <summary>
/// Checks at start what configuration alone cannot: the source is reachable with these credentials, the captured
/// tables exist and can be replicated, the sink accepts writes, and no route writes into a captured table. Creates
/// the publication and slot when configured to.
/// </summary>
public static class Preflight
{
    public static async Task<PipelineRuntime> CheckAsync(PipelineSettings p, CancellationToken ct)
    {
        IReadOnlyList<TableId> tables;
        await using (var admin = new SourceAdmin(p.Source))
            tables = await admin.PrepareAsync(ct).ConfigureAwait(false);
        var sink = CreateSinkFactory(p);
        CheckRoutesDoNotLoop(p, tables);
        await sink.ValidateAsync(ct).ConfigureAwait(false);
        return new PipelineRuntime(p, sink);
    }

    public static ISinkFactory CreateSinkFactory(PipelineSettings p) => SinkFactories.Create(p);

    /// <summary>A sink table that is also captured from the same database would replicate into itself forever.</summary>
    private static void CheckRoutesDoNotLoop(PipelineSettings p, IReadOnlyList<TableId> captured)
    {
        if (p.Sink.Type != SinkType.Postgres || !SameDatabase(p.Source.ConnectionString, p.Sink.ConnectionString!)) return;
        var set = new HashSet<TableId>(captured);
        foreach (var t in captured)
        {
            var target = p.Routes.Target(t);
            if (set.Contains(target))
                throw new SettingsException($"actorcdc.pipelines.{p.Name}.routes", $"{t} -> {target}",
                    $"a sink table outside the captured set: the sink is the source database, so {target} would be replicated into itself; add a route such as {{ from = \"{t.Schema}\\\\.(.*)\", to = \"replica.$1\" }} or use another sink database");
        }
    }

    private static bool SameDatabase(string a, string b)
    {
        var x = new NpgsqlConnectionStringBuilder(a);
        var y = new NpgsqlConnectionStringBuilder(b);
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port
            && string.Equals(x.Database ?? x.Username, y.Database ?? y.Username, StringComparison.Ordinal);
    }

    /// <summary>The one line an operator sees when the node refuses to start.</summary>
    public static string Describe(Exception e) => e switch
    {
        SettingsException s => s.Message,
        CdcException c => c.Message,
        _ => e.Message,
    };

    public static bool IsFatal(Exception e) => e is SettingsException or CdcException { Kind: FailureKind.Fatal or FailureKind.Data };
}
