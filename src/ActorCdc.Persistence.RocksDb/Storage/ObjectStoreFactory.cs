using System.Text.RegularExpressions;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;
using Akka.Configuration;

namespace ActorCdc.Persistence.RocksDb.Storage;

/// <summary>Builds an <see cref="IObjectStore"/> from a storage URI: <c>file:///absolute/path</c> or <c>s3://bucket/prefix</c>.</summary>
public static partial class ObjectStoreFactory
{
    /// <summary>The HOCON key that names the checkpoint storage, quoted in failure messages.</summary>
    public const string StorageKey = "actorcdc.state.checkpoints.storage";

    /// <summary>
    /// The store <paramref name="uri"/> names; <paramref name="s3Settings"/> is the <c>s3 { ... }</c> block used for
    /// <c>s3://</c> locations (null: defaults). Throws a fatal <see cref="CdcException"/> on a malformed URI.
    /// </summary>
    public static IObjectStore Create(string uri, Config? s3Settings) => Create(uri, s3Settings, StorageKey);

    /// <summary>As <see cref="Create(string, Config?)"/>, naming <paramref name="configKey"/> in failure messages.</summary>
    public static IObjectStore Create(string uri, Config? s3Settings, string configKey)
    {
        var value = uri?.Trim() ?? "";
        if (value.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = value["file://".Length..];
            if (!rest.StartsWith('/') || rest.Trim('/').Length == 0)
                throw Malformed(value, configKey, "a file location needs an absolute directory after file:// (three slashes in all), e.g. file:///var/lib/actorcdc/checkpoints");
            return new FileObjectStore(Uri.UnescapeDataString(rest));
        }
        if (value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = value["s3://".Length..];
            var slash = rest.IndexOf('/');
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
            if (!BucketName().IsMatch(bucket))
                throw Malformed(value, configKey, $"'{bucket}' is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)");
            if (prefix.Contains("//", StringComparison.Ordinal))
                throw Malformed(value, configKey, "the prefix contains an empty segment ('//')");
            var settingsPath = configKey.EndsWith(".storage", StringComparison.Ordinal) ? configKey[..^".storage".Length] + ".s3" : "s3";
            return new S3ObjectStore(bucket, prefix, S3ObjectStoreSettings.Create(s3Settings, settingsPath));
        }
        throw Malformed(value, configKey, "the scheme must be file:// or s3://");
    }

    private static CdcException Malformed(string value, string configKey, string why) =>
        CdcException.Fatal(
            $"{configKey} = \"{value}\" is not a storage location: {why}. Use \"file:///absolute/path\" for a local directory, " +
            "\"s3://bucket/prefix\" for S3 or an S3-compatible store, or \"\" for none.");

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
