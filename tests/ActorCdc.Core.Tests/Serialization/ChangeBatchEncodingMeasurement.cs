using System.Diagnostics;
using System.Reflection;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Serialization;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>
/// Measures the hand-written ChangeBatch encoding against System.Text.Json on the benchmark row shape (DESIGN.md §7, §8).
/// Prints figures only: tests never assert on time. Run with <c>-c Release</c> for figures worth quoting.
/// </summary>
public class ChangeBatchEncodingMeasurement : Akka.TestKit.Xunit2.TestKit
{
    private const int Rows = 1000;

    // Tiered JIT needs many calls before the code it runs is the optimised code; a debug build is not worth the wait.
    private static readonly bool Optimized =
        typeof(CoreSerializer).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
    private static readonly int Warmup = Optimized ? 1000 : 20;
    private static readonly int Iterations = Optimized ? 1000 : 50;

    private readonly ITestOutputHelper _output;

    public ChangeBatchEncodingMeasurement(ITestOutputHelper output)
        : base(CoreSerializer.Config, nameof(ChangeBatchEncodingMeasurement), output) => _output = output;

    [Fact]
    public void Encoding_a_batch_allocates_little_beyond_the_result_array()
    {
        var serializer = new CoreSerializer((ExtendedActorSystem)Sys);
        var batch = ChangeSamples.BenchmarkRows(Rows);
        for (var i = 0; i < 10; i++) serializer.ToBinary(batch); // let the pool hand out its buffer
        var before = GC.GetAllocatedBytesForCurrentThread();
        var bytes = serializer.ToBinary(batch);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _output.WriteLine($"payload {bytes.Length} bytes, allocated {allocated} bytes");
        Assert.InRange(allocated, bytes.Length, bytes.Length + 1024);
    }

    [Fact]
    public void Hand_written_encoding_versus_System_Text_Json()
    {
        var serializer = new CoreSerializer((ExtendedActorSystem)Sys);
        var batch = ChangeSamples.BenchmarkRows(Rows);

        // Both must be faithful before their speed means anything.
        ChangeAssert.Equal(batch, (ChangeBatch)serializer.FromBinary(serializer.ToBinary(batch), "cb"));
        ChangeAssert.Equal(batch, JsonBaseline.Deserialize(JsonBaseline.Serialize(batch)));

        var binary = Measure(() => serializer.ToBinary(batch), bytes => serializer.FromBinary(bytes, "cb"));
        var json = Measure(() => JsonBaseline.Serialize(batch), bytes => JsonBaseline.Deserialize(bytes));
        // Where the encode time goes: the same encoding without the final exactly-sized array Akka's API demands,
        // which for a batch this size lands on the large object heap.
        var encoded = serializer.ToBinary(batch);
        var pooledOnly = Measure(() =>
        {
            var writer = new CdcBinaryWriter(batch.ApproximateBytes + 512);
            try
            {
                writer.WriteByte(CoreSerializer.FormatVersion);
                ChangeCodec.WriteChangeBatch(ref writer, batch);
                return encoded;
            }
            finally
            {
                writer.Dispose();
            }
        }, bytes => serializer.FromBinary(bytes, "cb"));

        _output.WriteLine($"{Rows}-row ChangeBatch (bigint, int, 100-char text, timestamptz, numeric), {Iterations} iterations, " +
                          (Optimized ? "optimized build" : "DEBUG build: JIT optimizations off for ActorCdc.Core, figures not representative"));
        _output.WriteLine($"{"",-26}{"encode µs",12}{"decode µs",12}{"total µs",12}{"bytes",10}{"alloc/op",12}");
        Print("CoreSerializer", binary);
        Print("  (into pooled buffer only)", pooledOnly);
        Print("System.Text.Json", json);
        _output.WriteLine($"ratio json/binary: time {json.Total / binary.Total:F2}x, size {(double)json.Bytes / binary.Bytes:F2}x");
    }

    private void Print(string name, Result r) =>
        _output.WriteLine($"{name,-26}{r.Encode,12:F1}{r.Decode,12:F1}{r.Total,12:F1}{r.Bytes,10}{r.Allocated,12}");

    private readonly record struct Result(double Encode, double Decode, int Bytes, long Allocated)
    {
        public double Total => Encode + Decode;
    }

    private static Result Measure(Func<byte[]> encode, Func<byte[], object> decode)
    {
        var bytes = encode();
        for (var i = 0; i < Warmup; i++) decode(encode());

        GC.Collect();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++) bytes = encode();
        var encodeTicks = sw.Elapsed.TotalMicroseconds;

        sw.Restart();
        for (var i = 0; i < Iterations; i++) decode(bytes);
        var decodeTicks = sw.Elapsed.TotalMicroseconds;
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / Iterations;

        return new Result(encodeTicks / Iterations, decodeTicks / Iterations, bytes.Length, allocated);
    }
}
