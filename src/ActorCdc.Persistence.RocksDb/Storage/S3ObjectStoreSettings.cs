using ActorCdc.Core.Failures;
using Akka.Configuration;
using Amazon.Runtime;

namespace ActorCdc.Persistence.RocksDb.Storage;

/// <summary>
/// How <see cref="S3ObjectStore"/> reaches S3 or an S3-compatible store (MinIO, s3rver, ...). Property comments name the
/// key under the settings block (<c>actorcdc.state.checkpoints.s3</c>) that sets each one.
/// </summary>
public sealed record S3ObjectStoreSettings
{
    /// <summary>The record's members with every secret masked (settings end up in logs and error messages).</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("S3ObjectStoreSettings { ");
        if (PrintMembers(text)) text.Append(' ');
        return ActorCdc.Core.Diagnostics.SecretMasker.Apply(text.Append('}').ToString());
    }

    /// <summary>The HOCON path of the block these settings come from, used in failure messages.</summary>
    public string ConfigPath { get; init; } = "actorcdc.state.checkpoints.s3";

    /// <summary><c>endpoint</c>: the service URL of an S3-compatible store (<c>http://127.0.0.1:9000</c>); empty means AWS S3 of <see cref="Region"/>.</summary>
    public string Endpoint { get; init; } = "";

    /// <summary><c>region</c>: the AWS region, also used to sign requests to an S3-compatible endpoint.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary><c>force-path-style</c>: address buckets as <c>endpoint/bucket/key</c> rather than <c>bucket.endpoint/key</c> (most S3-compatible stores need it).</summary>
    public bool ForcePathStyle { get; init; }

    /// <summary><c>access-key</c>: empty means the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role).</summary>
    public string AccessKey { get; init; } = "";

    /// <summary><c>secret-key</c>: set together with <see cref="AccessKey"/>; use <c>${?VAR}</c> in HOCON rather than a literal.</summary>
    public string SecretKey { get; init; } = "";

    /// <summary>
    /// <c>use-chunk-encoding</c>: send PUT bodies as aws-chunked streams. Off by default: many S3-compatible stores
    /// (s3rver among them) do not decode that framing and would store it inside the object.
    /// </summary>
    public bool UseChunkEncoding { get; init; }

    /// <summary><c>request-checksum</c>: <c>when-required</c> (default, widest compatibility) or <c>when-supported</c> (flexible checksums on every upload).</summary>
    public RequestChecksumCalculation RequestChecksum { get; init; } = RequestChecksumCalculation.WHEN_REQUIRED;

    /// <summary><c>response-checksum-validation</c>: <c>when-required</c> (default) or <c>when-supported</c>.</summary>
    public ResponseChecksumValidation ResponseChecksumValidation { get; init; } = ResponseChecksumValidation.WHEN_REQUIRED;

    /// <summary><c>request-timeout</c>: the longest one HTTP request may take before it counts as a transient failure.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Reads the settings from an <c>s3 { ... }</c> block; missing keys keep their defaults.</summary>
    public static S3ObjectStoreSettings Create(Config? config, string configPath = "actorcdc.state.checkpoints.s3")
    {
        var d = new S3ObjectStoreSettings { ConfigPath = configPath };
        if (config is null || config.IsEmpty) return d;
        var settings = d with
        {
            Endpoint = config.GetString("endpoint", d.Endpoint) ?? "",
            Region = config.GetString("region", d.Region) ?? "",
            ForcePathStyle = config.GetBoolean("force-path-style", d.ForcePathStyle),
            AccessKey = config.GetString("access-key", d.AccessKey) ?? "",
            SecretKey = config.GetString("secret-key", d.SecretKey) ?? "",
            UseChunkEncoding = config.GetBoolean("use-chunk-encoding", d.UseChunkEncoding),
            RequestChecksum = ParseChecksumMode(config.GetString("request-checksum", "when-required"), configPath + ".request-checksum") == "when-supported"
                ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ParseChecksumMode(config.GetString("response-checksum-validation", "when-required"), configPath + ".response-checksum-validation") == "when-supported"
                ? ResponseChecksumValidation.WHEN_SUPPORTED : ResponseChecksumValidation.WHEN_REQUIRED,
            RequestTimeout = config.GetTimeSpan("request-timeout", d.RequestTimeout, allowInfinite: false),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws a fatal <see cref="CdcException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (Endpoint.Length > 0 && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
            throw CdcException.Fatal($"{ConfigPath}.endpoint = \"{Endpoint}\" is not an http(s) URL; use e.g. \"http://127.0.0.1:9000\", or \"\" for AWS S3.");
        if (string.IsNullOrWhiteSpace(Region))
            throw CdcException.Fatal($"{ConfigPath}.region is empty; set it to the bucket's region, e.g. \"us-east-1\" (S3-compatible stores usually accept any).");
        if ((AccessKey.Length == 0) != (SecretKey.Length == 0))
            throw CdcException.Fatal(
                $"{ConfigPath}.access-key and {ConfigPath}.secret-key must be set together; set both, or neither to use the " +
                "AWS default credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or an instance role).");
        if (RequestTimeout <= TimeSpan.Zero)
            throw CdcException.Fatal($"{ConfigPath}.request-timeout = {RequestTimeout} must be positive, e.g. 60s.");
    }

    private static string ParseChecksumMode(string? value, string key) => value switch
    {
        "when-required" or "when-supported" => value,
        _ => throw CdcException.Fatal($"{key} = \"{value}\" is not a checksum mode; use \"when-required\" or \"when-supported\"."),
    };
}
