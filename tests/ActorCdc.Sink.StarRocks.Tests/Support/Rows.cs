using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>Row-by-row comparison of expected and loaded tables, with a readable difference on failure.</summary>
public static class Rows
{
    /// <summary>Compares the rows, keyed by <paramref name="key"/>, mapping expected PostgreSQL text through <paramref name="asLoaded"/>.</summary>
    public static void Equal(IReadOnlyList<IReadOnlyDictionary<string, string?>> expected, IReadOnlyList<IReadOnlyDictionary<string, string?>> actual,
        string key, Func<string, string?, string?>? asLoaded = null)
    {
        asLoaded ??= (_, v) => v;
        var want = expected.ToDictionary(r => r[key]!, r => r);
        var got = actual.ToDictionary(r => r[key]!, r => r);
        var problems = new List<string>();
        foreach (var (k, row) in want)
        {
            if (!got.TryGetValue(k, out var loaded))
            {
                problems.Add($"missing row {key}={k}");
                continue;
            }
            foreach (var (column, value) in row)
            {
                var expectedValue = asLoaded(column, value);
                loaded.TryGetValue(column, out var actualValue);
                if (expectedValue != actualValue) problems.Add($"row {key}={k} column {column}: expected '{Cut(expectedValue)}', loaded '{Cut(actualValue)}'");
            }
        }
        foreach (var k in got.Keys)
            if (!want.ContainsKey(k)) problems.Add($"unexpected row {key}={k}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
    }

    private static string? Cut(string? value) => value is { Length: > 60 } ? value[..60] + $"... ({value.Length} chars)" : value;
}
