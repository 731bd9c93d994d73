using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ActorCdc.Persistence.RocksDb.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> over an S3 bucket prefix (<c>s3://bucket/prefix</c>), for AWS S3 and S3-compatible
/// stores. Single PUTs only (no CopyObject, no multipart); failures are classified as transient or fatal.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly S3ObjectStoreSettings _settings;
    private readonly string _keyPrefix;

    /// <summary>A store for <paramref name="bucket"/> under <paramref name="prefix"/> (no leading or trailing '/').</summary>
    public S3ObjectStore(string bucket, string prefix, S3ObjectStoreSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Bucket = bucket;
        Prefix = (prefix ?? "").Trim('/');
        _keyPrefix = Prefix.Length == 0 ? "" : Prefix + "/";
        _settings = settings;
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle,
            RequestChecksumCalculation = settings.RequestChecksum,
            ResponseChecksumValidation = settings.ResponseChecksumValidation,
            Timeout = settings.RequestTimeout,
        };
        if (settings.Endpoint.Length > 0)
        {
            config.ServiceURL = settings.Endpoint;
            config.AuthenticationRegion = settings.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }
        _client = settings.AccessKey.Length > 0
            ? new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), config)
            : new AmazonS3Client(config);
    }

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>The key prefix inside the bucket, without slashes at either end; empty for the bucket's root.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public string Location => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var stream = MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        return PutStreamAsync(key, stream, cancellationToken);
    }

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek)
        {
            await PutStreamAsync(key, content, cancellationToken).ConfigureAwait(false);
            return;
        }
        // A single signed PUT needs the length and the payload hash up front, so a forward-only stream is buffered.
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        await PutStreamAsync(key, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        try
        {
            using var response = await _client.GetObjectAsync(Bucket, fullKey, cancellationToken).ConfigureAwait(false);
            var length = response.ContentLength;
            var buffer = new MemoryStream(length is > 0 and < int.MaxValue ? (int)length : 0);
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Classify(e, "read", fullKey);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = _keyPrefix + prefix, MaxKeys = 1000 };
        var result = new List<ObjectInfo>();
        try
        {
            while (true)
            {
                var response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
                if (response.S3Objects is { } objects)
                    foreach (var o in objects)
                        if (o.Key.StartsWith(_keyPrefix, StringComparison.Ordinal))
                            result.Add(new ObjectInfo(o.Key[_keyPrefix.Length..], o.Size ?? 0, o.LastModified?.ToUniversalTime() ?? default));
                if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken)) break;
                request.ContinuationToken = response.NextContinuationToken;
            }
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Classify(e, "list", _keyPrefix + prefix + "*");
        }
        // S3 lists in UTF-8 byte order; the contract is ordinal (UTF-16) order, which differs only beyond the BMP.
        result.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        try
        {
            await _client.DeleteObjectAsync(Bucket, fullKey, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // Already gone.
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Classify(e, "delete", fullKey);
        }
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _client.Dispose();

    private async Task PutStreamAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = fullKey,
            InputStream = content,
            AutoCloseStream = false,
            UseChunkEncoding = _settings.UseChunkEncoding,
            ContentType = "application/octet-stream",
        };
        try
        {
            await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Classify(e, "write", fullKey);
        }
    }

    private string FullKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return _keyPrefix + key;
    }

    // The caller's own cancellation passes through untouched; everything else the SDK or the network throws is classified.
    private static bool IsStoreFailure(Exception e, CancellationToken cancellationToken) =>
        !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && e is not ArgumentException;

    private CdcException Classify(Exception e, string operation, string fullKey)
    {
        var what = $"could not {operation} s3://{Bucket}/{fullKey}";
        var endpoint = _settings.Endpoint.Length > 0 ? _settings.Endpoint : $"AWS S3 ({_settings.Region})";
        if (e is AmazonServiceException service && service.StatusCode != 0)
        {
            var status = (int)service.StatusCode;
            var code = service.ErrorCode ?? "";
            if (code == "NoSuchBucket")
                return CdcException.Fatal(
                    $"{what}: bucket '{Bucket}' does not exist at {endpoint}; create it, or fix the bucket in the storage URI " +
                    $"(actorcdc.state.checkpoints.storage) or {_settings.ConfigPath}.endpoint.", e);
            if (status is 401 or 403 || code is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken")
                return CdcException.Fatal(
                    $"{what}: S3 refused the credentials ({code} {status}); check {_settings.ConfigPath}.access-key and " +
                    $"{_settings.ConfigPath}.secret-key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and that they may read and write this bucket.", e);
            if (status is 301 or 307 || code is "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException")
                return CdcException.Fatal(
                    $"{what}: the bucket lives in another region or behind another endpoint ({code} {status}); set " +
                    $"{_settings.ConfigPath}.region to the bucket's region, or {_settings.ConfigPath}.endpoint and force-path-style for an S3-compatible store.", e);
            if (status >= 500 || status is 408 or 429 || code is "SlowDown" or "Throttling" or "ThrottlingException" or "RequestTimeout" or "RequestTimeTooSkewed")
                return CdcException.Transient($"{what}: {endpoint} answered {status} {code}; retrying with backoff.", e);
            return CdcException.Fatal(
                $"{what}: {endpoint} rejected the request ({status} {code}: {service.Message}); check {_settings.ConfigPath} " +
                "(endpoint, force-path-style, use-chunk-encoding, request-checksum) against what the store supports.", e);
        }
        if (IsNetworkFailure(e))
            return CdcException.Transient($"{what}: {endpoint} is unreachable ({Innermost(e).Message}); retrying with backoff.", e);
        if (e is AmazonClientException && Innermost(e).Message.Contains("credential", StringComparison.OrdinalIgnoreCase))
            return CdcException.Fatal(
                $"{what}: no S3 credentials were found ({Innermost(e).Message}); set {_settings.ConfigPath}.access-key and secret-key, " +
                "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the node's environment.", e);
        return CdcException.Transient($"{what}: {Innermost(e).Message}; retrying with backoff.", e);
    }

    private static bool IsNetworkFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException)
                return true;
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
