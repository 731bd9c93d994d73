namespace ActorCdc.Core.Storage;

/// <summary>
/// A flat store of immutable objects addressed by key (<c>a/b/c</c>): a local directory or an S3 bucket prefix.
/// Checkpoints, savepoints and file sinks write through it. Implementations are thread-safe; a missing key on read
/// returns null, and transient failures throw <see cref="Failures.CdcException"/> of kind Transient.
/// </summary>
public interface IObjectStore
{
    /// <summary>Where objects go, for messages: <c>file:///var/lib/x</c> or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>Writes the object whole; readers never see a partial object.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Writes the object from a stream (large objects); readers never see a partial object.</summary>
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>The object's bytes, or null when it does not exist.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Keys that start with <paramref name="prefix"/>, in ordinal order.</summary>
    Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
