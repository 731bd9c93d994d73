using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using Akka.Configuration;

namespace ActorCdc.Engine.Tests;

/// <summary>
/// Shared ground of the table-entity tests: a local actor system with in-memory persistence, pipeline "p" capturing
/// public.t, and batches of inserts at chosen positions.
/// </summary>
public abstract class EntityTestKit : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config Base = ConfigurationFactory.ParseString("""
        akka.actor.provider = local
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(EngineConfig.Akka);

    /// <summary>
    /// The test actor plays the WalReader; the entity's health reports (<see cref="Protocol.TableHealth"/>) are ignored
    /// except by tests about them, which call <c>IgnoreNoMessages()</c>.
    /// </summary>
    protected EntityTestKit() : base(Base) => IgnoreMessages<Protocol.TableHealth>();

    /// <summary>With <paramref name="config"/> in front of the defaults (another snapshot store, checkpoint storage).</summary>
    protected EntityTestKit(Config config) : base(config.WithFallback(Base)) => IgnoreMessages<Protocol.TableHealth>();

    protected const string EntityId = "p/public.t";

    /// <summary>public.t (id integer key, v text).</summary>
    protected static readonly TableSchema Schema = new(new TableId("public", "t"), 1,
        [new ColumnSchema("id", 23, -1, "integer", 'b', true), new ColumnSchema("v", 25, -1, "text", 'b', false)], ReplicaIdentity.Default);

    /// <summary>Pipeline "p" writing into <paramref name="sink"/>; <paramref name="sinkKeys"/> and <paramref name="pipelineKeys"/> add HOCON.</summary>
    protected static PipelineRegistry Registry(ISinkFactory sink, string sinkKeys = "", string pipelineKeys = "")
    {
        var settings = PipelineSettings.Parse("p", ConfigurationFactory.ParseString($$"""
            source { connection-string = "Host=unused", tables = ["public.t"] }
            sink { type = blackhole, retry { min-backoff = 10ms, max-backoff = 50ms } {{sinkKeys}} }
            {{pipelineKeys}}
            """), Config.Empty);
        var registry = new PipelineRegistry();
        registry.Add(new PipelineRuntime(settings, sink));
        return registry;
    }

    /// <summary>Inserts of ids <paramref name="from"/>..<paramref name="to"/> at positions (lsn, id).</summary>
    protected static ChangeBatch Batch(ulong lsn, int from, int to)
    {
        var changes = new List<RowChange>();
        for (var i = from; i <= to; i++)
            changes.Add(new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(lsn), i), [ColumnValue.FromText(i.ToString()), ColumnValue.FromText("v" + i)], null));
        return new ChangeBatch(Schema, changes, 100);
    }
}
