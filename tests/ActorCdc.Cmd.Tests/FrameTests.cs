using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Cmd.Protocol;
using Xunit;

namespace ActorCdc.Cmd.Tests;

public class FrameTests
{
    private static async Task<List<T>> RoundTripAsync<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, params T[] frames) where T : class
    {
        var stream = new MemoryStream();
        using (var writer = new FrameWriter<T>(stream, type))
            foreach (var f in frames) await writer.WriteAsync(f, CancellationToken.None);
        stream.Position = 0;
        var reader = new FrameReader<T>(stream, type);
        var read = new List<T>();
        while (await reader.ReadAsync(CancellationToken.None) is { } f) read.Add(f);
        return read;
    }

    [Fact]
    public async Task Client_frames_round_trip()
    {
        var args = new Dictionary<string, string> { ["pipeline"] = "shop", ["force"] = "true" };
        var read = await RoundTripAsync(Frames.Client,
            new Hello("tok", "1.0"), new Hello(null, "1.0"), new Execute(7, "cdc", "profile set", args, true), new Cancel(7));
        Assert.Equal(4, read.Count);
        Assert.Equal(new Hello("tok", "1.0"), read[0]);
        Assert.Equal(new Hello(null, "1.0"), read[1]);
        var e = Assert.IsType<Execute>(read[2]);
        Assert.Equal((7L, "cdc", "profile set", true), (e.Id, e.Palette, e.Command, e.Json));
        Assert.Equal(args.OrderBy(a => a.Key), e.Arguments.OrderBy(a => a.Key));
        Assert.Equal(new Cancel(7), read[3]);
    }

    [Fact]
    public async Task Host_frames_round_trip_with_full_palette_definitions()
    {
        var palette = new CommandPalette("cdc", "capture", [
            new CommandDefinition("tail", "streams", [new ArgumentDefinition("lines", ["-n", "--lines"], "how many", Default: "10"),
                                                      new ArgumentDefinition("pipeline", [], "which", Mandatory: true, IsFlag: false)], Streaming: true),
        ]);
        var text = "ünïcode ✓ \"quoted\"\nsecond line\t\u0001\n";
        var read = await RoundTripAsync(Frames.Host,
            new Welcome("actorcdc@127.0.0.1:4053", "1.2", [palette]), new Refused("no"), new Output(3, text), new Done(3, false, "failed"), new Done(4, true, null));
        var w = Assert.IsType<Welcome>(read[0]);
        Assert.Equal("actorcdc@127.0.0.1:4053", w.Node);
        var p = Assert.Single(w.Palettes);
        Assert.Equal(("cdc", "capture"), (p.Name, p.Description));
        var c = Assert.Single(p.Commands);
        Assert.Equal(("tail", "streams", true), (c.Name, c.Description, c.Streaming));
        Assert.Equal(["-n", "--lines"], c.Arguments[0].Switches);
        Assert.Equal(("lines", "10", false), (c.Arguments[0].Name, c.Arguments[0].Default, c.Arguments[0].Mandatory));
        Assert.Equal(("pipeline", true, (string?)null), (c.Arguments[1].Name, c.Arguments[1].Mandatory, c.Arguments[1].Default));
        Assert.Equal(new Refused("no"), read[1]);
        Assert.Equal(new Output(3, text), read[2]);
        Assert.Equal(new Done(3, false, "failed"), read[3]);
        Assert.Equal(new Done(4, true, null), read[4]);
    }

    [Fact]
    public async Task Frames_are_a_big_endian_length_then_utf8_json()
    {
        var stream = new MemoryStream();
        using (var writer = new FrameWriter<ClientFrame>(stream, Frames.Client))
            await writer.WriteAsync(new Cancel(42), CancellationToken.None);
        var bytes = stream.ToArray();
        var length = BinaryPrimitives.ReadInt32BigEndian(bytes);
        Assert.Equal(bytes.Length - 4, length);
        using var doc = JsonDocument.Parse(bytes.AsMemory(4));
        Assert.Equal("cancel", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal(42, doc.RootElement.GetProperty("id").GetInt64());
    }

    private static MemoryStream Framed(string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, payload.Length);
        payload.CopyTo(bytes, 4);
        return new MemoryStream(bytes);
    }

    private static Task<ProtocolException> ReadFailsAsync(Stream stream) =>
        Assert.ThrowsAsync<ProtocolException>(async () => await new FrameReader<ClientFrame>(stream, Frames.Client).ReadAsync(CancellationToken.None));

    [Theory]
    [InlineData("not json at all")]
    [InlineData("null")]
    [InlineData("{\"id\":1}")]                                       // no type
    [InlineData("{\"type\":\"launch-missiles\",\"id\":1}")]          // unknown type
    [InlineData("{\"type\":\"execute\",\"id\":1}")]                  // fields missing
    [InlineData("{\"type\":\"execute\",\"id\":1,\"palette\":null,\"command\":\"x\",\"arguments\":{},\"json\":false}")]
    [InlineData("{\"type\":\"welcome\",\"node\":\"n\",\"hostVersion\":\"1\",\"palettes\":[]}")] // a host frame sent by a client
    public async Task Garbage_payloads_are_protocol_errors(string json) => await ReadFailsAsync(Framed(json));

    [Fact]
    public async Task An_oversized_length_is_a_protocol_error_before_reading_the_payload()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, FrameFormat.MaxFrameBytes + 1u);
        Assert.Contains("outside", (await ReadFailsAsync(new MemoryStream(bytes))).Message);
        // An HTTP request on the port reads as a length of about 1.2 GB.
        await ReadFailsAsync(new MemoryStream(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n")));
    }

    [Fact]
    public async Task A_zero_length_or_truncated_frame_is_a_protocol_error()
    {
        await ReadFailsAsync(new MemoryStream(new byte[4]));
        await ReadFailsAsync(new MemoryStream([0, 0]));
        var whole = Framed("{\"type\":\"cancel\",\"id\":1}").ToArray();
        await ReadFailsAsync(new MemoryStream(whole[..^3]));
    }

    [Fact]
    public async Task End_of_stream_between_frames_reads_as_null() =>
        Assert.Null(await new FrameReader<ClientFrame>(new MemoryStream(), Frames.Client).ReadAsync(CancellationToken.None));

    [Fact]
    public async Task Frames_of_several_writers_never_interleave()
    {
        var stream = new MemoryStream();
        using (var writer = new FrameWriter<HostFrame>(stream, Frames.Host))
            await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                for (var n = 0; n < 200; n++) await writer.WriteAsync(new Output(i, new string('x', n)), CancellationToken.None);
            })));
        stream.Position = 0;
        var reader = new FrameReader<HostFrame>(stream, Frames.Host);
        var perId = new int[8];
        while (await reader.ReadAsync(CancellationToken.None) is Output o)
            Assert.Equal(perId[o.Id]++, o.Text.Length);
        Assert.All(perId, n => Assert.Equal(200, n));
    }
}
