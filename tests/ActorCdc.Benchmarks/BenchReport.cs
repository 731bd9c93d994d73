using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorCdc.Benchmarks;

/// <summary>One benchmark's figures: variants with seconds and rows/s, named ratios; printed as a table and written as JSON.</summary>
public sealed class BenchReport(string name, long rows, string transport)
{
    private readonly JsonObject _variants = new();
    private readonly JsonObject _ratios = new();
    private readonly JsonObject _notes = new();

    public void Variant(string variant, double seconds, long? peakRssBytes = null, long? rowsOverride = null)
    {
        var n = rowsOverride ?? rows;
        var v = new JsonObject { ["seconds"] = Math.Round(seconds, 3), ["rows_per_s"] = Math.Round(n / seconds) };
        if (peakRssBytes is { } rss) v["peak_rss_bytes"] = rss;
        _variants[variant] = v;
    }

    public double RowsPerSecond(string variant) => _variants[variant]!["rows_per_s"]!.GetValue<double>();

    public void Ratio(string candidate, string baseline) =>
        _ratios[$"{candidate}_vs_{baseline}"] = Math.Round(RowsPerSecond(candidate) / RowsPerSecond(baseline), 3);

    public void Note(string key, string value) => _notes[key] = value;

    /// <summary>Adds a named figure to a variant already reported (e.g. <c>mib_per_s</c>); printed under the table.</summary>
    public void Figure(string variant, string key, double value) => _variants[variant]![key] = value;

    public string Write(string repoRoot)
    {
        var doc = new JsonObject
        {
            ["name"] = name, ["rows"] = rows, ["transport"] = transport,
            ["variants"] = _variants.DeepClone(), ["ratios"] = _ratios.DeepClone(), ["notes"] = _notes.DeepClone(),
            ["machine"] = $"{Environment.ProcessorCount} cores",
            ["measured_at"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        var dir = Path.Combine(repoRoot, "artifacts", "bench");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".json");
        File.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"{name}: {rows:N0} rows, transport {transport}");
        Console.WriteLine($"{"variant",-16} {"seconds",9} {"rows/s",11} {"peak RSS",10}");
        foreach (var (k, v) in _variants)
        {
            var rss = v!["peak_rss_bytes"] is { } r ? $"{r.GetValue<long>() / 1048576.0:0} MiB" : "";
            Console.WriteLine($"{k,-16} {v["seconds"]!.GetValue<double>(),9:0.00} {v["rows_per_s"]!.GetValue<double>(),11:N0} {rss,10}");
        }
        foreach (var (k, v) in _variants)
            foreach (var (figure, value) in v!.AsObject())
                if (figure is not ("seconds" or "rows_per_s" or "peak_rss_bytes"))
                    Console.WriteLine($"{k + "." + figure,-40} {value}");
        foreach (var (k, v) in _ratios) Console.WriteLine($"{k,-40} {v!.GetValue<double>():0.000}");
        foreach (var (k, v) in _notes) Console.WriteLine($"{k}: {v}");
    }
}
