using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>A double, a factory pointed at it and one at-least-once table sink; disposed together.</summary>
public sealed class ITableSinkFixture : IAsyncDisposable
{
    private ITableSinkFixture(SrDouble sr, StarRocksSinkFactory factory, StarRocksTableSink sink)
    {
        Double = sr;
        Factory = factory;
        Sink = sink;
    }

    public SrDouble Double { get; }
    public StarRocksSinkFactory Factory { get; }
    public StarRocksTableSink Sink { get; }

    public static async Task<ITableSinkFixture> StartAsync(TableSchema schema, string extra = "")
    {
        var sr = await SrDouble.StartAsync();
        var factory = SinkSetup.Factory(sr, extra);
        var sink = (StarRocksTableSink)factory.CreateTableSink(schema.Table, schema.Table);
        return new ITableSinkFixture(sr, factory, sink);
    }

    public async ValueTask DisposeAsync()
    {
        await Sink.DisposeAsync();
        await Factory.DisposeAsync();
        await Double.DisposeAsync();
    }
}
