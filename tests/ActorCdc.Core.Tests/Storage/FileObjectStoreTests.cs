using System.Text;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;
using Xunit;

namespace ActorCdc.Core.Tests.Storage;

public sealed class FileObjectStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "actorcdc-fos-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FileObjectStore _store;

    public FileObjectStoreTests() => _store = new FileObjectStore(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Put_then_get_returns_the_same_bytes_from_memory_and_from_a_stream()
    {
        var a = RandomBytes(100_000, 1);
        var b = RandomBytes(3 * 1024 * 1024 + 17, 2);
        await _store.PutAsync("x/a.bin", a, default);
        await using (var stream = new NonSeekableStream(b)) await _store.PutAsync("x/y/b.bin", stream, default);

        Assert.Equal(a, await _store.GetAsync("x/a.bin", default));
        Assert.Equal(b, await _store.GetAsync("x/y/b.bin", default));
        Assert.Equal(b, File.ReadAllBytes(Path.Combine(_root, "x", "y", "b.bin")));
    }

    [Fact]
    public async Task Get_of_a_missing_key_returns_null()
    {
        Assert.Null(await _store.GetAsync("nothing/here", default));
        await _store.PutAsync("a/b", "x"u8.ToArray(), default);
        Assert.Null(await _store.GetAsync("a/c", default));
    }

    [Fact]
    public async Task List_returns_the_keys_that_start_with_the_prefix_in_ordinal_order()
    {
        foreach (var key in new[] { "snap/p1/002", "snap/p1/010", "snap/p1/001", "snap/p10/001", "snap/p1x", "other/p1/001", "snap/p1/sub/003" })
            await _store.PutAsync(key, Encoding.UTF8.GetBytes(key), default);

        Assert.Equal(["snap/p1/001", "snap/p1/002", "snap/p1/010", "snap/p1/sub/003"], Keys(await _store.ListAsync("snap/p1/", default)));
        Assert.Equal(["snap/p1/001", "snap/p1/002", "snap/p1/010", "snap/p1/sub/003", "snap/p10/001", "snap/p1x"],
            Keys(await _store.ListAsync("snap/p1", default)));
        Assert.Equal(["snap/p1/001", "snap/p1/002"], Keys(await _store.ListAsync("snap/p1/00", default)));
        Assert.Equal(7, (await _store.ListAsync("", default)).Count);
        Assert.Empty(await _store.ListAsync("missing/", default));

        var info = (await _store.ListAsync("snap/p1/001", default)).Single();
        Assert.Equal("snap/p1/001".Length, info.Size);
        Assert.InRange(info.LastModifiedUtc, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_deleting_a_missing_one_is_not_an_error()
    {
        await _store.PutAsync("d/1", "1"u8.ToArray(), default);
        await _store.PutAsync("d/2", "2"u8.ToArray(), default);
        await _store.DeleteAsync("d/1", default);
        await _store.DeleteAsync("d/1", default);
        await _store.DeleteAsync("never/was/there", default);

        Assert.Null(await _store.GetAsync("d/1", default));
        Assert.Equal(["d/2"], Keys(await _store.ListAsync("d/", default)));
    }

    [Fact]
    public async Task Overwrites_are_atomic_for_concurrent_readers_and_leave_no_temporary_files()
    {
        var first = RandomBytes(2 * 1024 * 1024, 3);
        var second = RandomBytes(2 * 1024 * 1024 + 1, 4);
        await _store.PutAsync("atomic/obj", first, default);

        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) await _store.PutAsync("atomic/obj", i % 2 == 0 ? second : first, default);
        });
        var reads = 0;
        while (!writes.IsCompleted || reads < 10)
        {
            var seen = await _store.GetAsync("atomic/obj", default);
            Assert.NotNull(seen);
            Assert.True(seen.AsSpan().SequenceEqual(first) || seen.AsSpan().SequenceEqual(second), $"read {reads} saw a partial object of {seen.Length} bytes");
            reads++;
        }
        await writes;

        Assert.Equal(["obj"], Directory.GetFiles(Path.Combine(_root, "atomic")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_write_that_fails_midway_keeps_the_previous_object_and_leaves_no_temporary_file()
    {
        await _store.PutAsync("f/obj", "old"u8.ToArray(), default);
        await using var failing = new FailingStream(RandomBytes(1024 * 1024, 5), failAfter: 300_000);

        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync("f/obj", failing, default));

        Assert.Equal("old"u8.ToArray(), await _store.GetAsync("f/obj", default));
        Assert.Equal(["obj"], Directory.GetFiles(Path.Combine(_root, "f")).Select(Path.GetFileName));
        Assert.Equal(["f/obj"], Keys(await _store.ListAsync("", default)));
    }

    [Fact]
    public async Task A_location_through_a_regular_file_fails_with_a_fatal_error_naming_that_file()
    {
        Directory.CreateDirectory(_root);
        var regular = Path.Combine(_root, "regular-file");
        await File.WriteAllTextAsync(regular, "not a directory");
        var store = new FileObjectStore(Path.Combine(regular, "sub"));

        var e = await Assert.ThrowsAsync<CdcException>(() => store.PutAsync("snapshots/a/1.snap", "x"u8.ToArray(), default));

        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains(regular, e.Message);
        Assert.Contains("not a directory", e.Message);
        Assert.Equal("not a directory", await File.ReadAllTextAsync(regular));
        Assert.Equal([regular], Directory.GetFileSystemEntries(_root));
        Assert.Null(await store.GetAsync("snapshots/a/1.snap", default));
        Assert.Empty(await store.ListAsync("", default));
    }

    [Fact]
    public void Location_is_a_file_uri_of_the_absolute_root()
    {
        Assert.Equal("file://" + _root, _store.Location);
        Assert.StartsWith("file:///", _store.Location);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a//b")]
    [InlineData("../escape")]
    [InlineData("a/./b")]
    [InlineData("/abs")]
    [InlineData("a/.tmp-x")]
    public async Task Keys_that_could_escape_the_root_or_collide_with_temporary_files_are_refused(string key) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(key, "x"u8.ToArray(), default));

    [Theory]
    [InlineData("../")]
    [InlineData("a/../../")]
    public async Task Prefixes_that_could_list_outside_the_root_are_refused(string prefix) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _store.ListAsync(prefix, default));

    private static List<string> Keys(IReadOnlyList<ObjectInfo> objects) => objects.Select(o => o.Key).ToList();

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A forward-only stream, as a network body would be.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }

    /// <summary>A stream that breaks after <paramref name="failAfter"/> bytes, as a dropped connection would.</summary>
    private sealed class FailingStream(byte[] bytes, int failAfter) : MemoryStream(bytes, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= failAfter) throw new IOException("the source broke off");
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= failAfter) throw new IOException("the source broke off");
            return base.Read(buffer, offset, Math.Min(count, 64 * 1024));
        }
    }
}
