using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ActorCdc.Core.Failures;

namespace ActorCdc.Core.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> over a local directory (<c>file:///path</c>): key <c>a/b/c</c> is the file
/// <c>path/a/b/c</c>. A put writes a temporary file, fsyncs it, renames it over the key and fsyncs the directory.
/// </summary>
public sealed class FileObjectStore : IObjectStore
{
    // Temporary files start with this so listings skip them; a key segment can never start with it (see ToPath).
    private const string TempPrefix = ".tmp-";
    private const int CopyBufferSize = 1 << 20;

    private readonly string _root;

    /// <summary>A store rooted at <paramref name="rootDirectory"/>; the directory is created on the first write.</summary>
    public FileObjectStore(string rootDirectory)
    {
        if (string.IsNullOrWhiteSpace(rootDirectory))
            throw new ArgumentException("the root directory of a file object store must not be empty", nameof(rootDirectory));
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
    }

    /// <summary>The absolute root directory.</summary>
    public string RootDirectory => _root;

    /// <inheritdoc />
    public string Location => "file://" + (_root.StartsWith('/') ? _root : "/" + _root.Replace('\\', '/'));

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        PutCoreAsync(key, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken);

    /// <inheritdoc />
    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return PutCoreAsync(key, (stream, ct) => CopyAsync(content, stream, ct), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = ToPath(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, $"read {key}", path);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // Only the directory named by the prefix up to its last '/' can hold matching keys.
        var slash = prefix.LastIndexOf('/');
        var dir = slash < 0 ? _root : ToPath(prefix[..slash]);
        var result = new List<ObjectInfo>();
        try
        {
            if (Directory.Exists(dir))
            {
                foreach (var file in new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (file.Name.StartsWith(TempPrefix, StringComparison.Ordinal)) continue;
                    var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
                    if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    result.Add(new ObjectInfo(key, file.Length, file.LastWriteTimeUtc));
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted while listing, or a path through a regular file: nothing is stored there.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, $"list {prefix}*", dir);
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return Task.FromResult<IReadOnlyList<ObjectInfo>>(result);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = ToPath(key);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Missing already: deleting a missing object is not an error.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, $"delete {key}", path);
        }
        return Task.CompletedTask;
    }

    private async Task PutCoreAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var path = ToPath(key);
        var dir = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(dir, TempPrefix + Path.GetFileName(path) + "-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var created = CreateDirectories(dir);
            await using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
            }))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            // The rename is durable only once the directory is; new directories need their parents synced too.
            FsyncDirectory(dir);
            foreach (var d in created) FsyncDirectory(Path.GetDirectoryName(d)!);
        }
        catch (SourceFailedException e)
        {
            // The caller's stream broke, not the disk: its own exception is the one to see.
            TryDelete(temp);
            ExceptionDispatchInfo.Throw(e.InnerException!);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException) throw Classify(e, $"write {key}", path);
            throw;
        }
    }

    private static async Task CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new SourceFailedException(e);
                }
                if (read == 0) return;
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Creates <paramref name="dir"/> and its missing parents; returns the ones it created, deepest last.</summary>
    private List<string> CreateDirectories(string dir)
    {
        var missing = new List<string>();
        for (var d = dir; !string.IsNullOrEmpty(d) && !Directory.Exists(d); d = Path.GetDirectoryName(d))
            missing.Add(d);
        missing.Reverse();
        foreach (var d in missing) Directory.CreateDirectory(d);
        return missing;
    }

    private string ToPath(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split('/');
        foreach (var s in segments)
            if (s.Length == 0 || s == "." || s == ".." || s.Contains('\\') || s.Contains('\0') || s.StartsWith(TempPrefix, StringComparison.Ordinal))
                throw new ArgumentException(
                    $"object key \"{key}\" is not valid: use non-empty '/'-separated segments other than '.' and '..', without '\\' or a leading '{TempPrefix}'",
                    nameof(key));
        return Path.Combine(_root, Path.Combine(segments));
    }

    private CdcException Classify(Exception e, string operation, string path)
    {
        // A path through a regular file or a read-only location will not heal by itself: the operator must act.
        var blocker = FirstNonDirectoryAncestor(path);
        if (blocker is not null)
            return CdcException.Fatal(
                $"cannot {operation} in {Location}: '{blocker}' is a regular file, not a directory; " +
                "point the storage location at a directory (or remove that file) and restart.", e);
        if (e is UnauthorizedAccessException)
            return CdcException.Fatal(
                $"cannot {operation} in {Location}: permission denied ({e.Message}); " +
                "make the directory writable by this process or point the storage location elsewhere.", e);
        // Disk full, I/O errors: may clear up (space freed, device back), so the caller retries.
        return CdcException.Transient(
            $"could not {operation} in {Location}: {e.Message}; retrying. If this persists, check free space and the health of the disk.", e);
    }

    private string? FirstNonDirectoryAncestor(string path)
    {
        for (var d = Path.GetDirectoryName(path); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d)) return null;
            if (File.Exists(d)) return d;
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temporary file could not be created in the first place, or is already gone.
        }
    }

    private static void FsyncDirectory(string dir)
    {
        // .NET cannot open a directory as a FileStream; on Windows a rename is durable without it.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return;
        var fd = Posix.open(dir, Posix.O_RDONLY);
        if (fd < 0)
            throw new IOException($"could not open directory '{dir}' to make a rename durable (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Posix.fsync(fd) != 0)
                throw new IOException($"fsync of directory '{dir}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Posix.close(fd);
        }
    }

    private sealed class SourceFailedException(Exception inner) : Exception(inner.Message, inner);

    private static class Posix
    {
        public const int O_RDONLY = 0;

        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
