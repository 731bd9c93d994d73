using System.Globalization;
using System.Text;

namespace ActorCdc.Node.Tests.Support;

/// <summary>
/// A parser of the Prometheus text exposition format (version 0.0.4): <c># HELP</c>/<c># TYPE</c> comments, then
/// <c>name{label="value",...} value [timestamp]</c> lines with escaped label values (\\, \", \n).
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<PrometheusSample> samples, IReadOnlyDictionary<string, string> types, string text)
    {
        Samples = samples;
        Types = types;
        Text = text;
    }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Metric family name → counter | gauge | histogram | ...</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public string Text { get; }

    public IEnumerable<PrometheusSample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The samples of <paramref name="name"/> carrying every given label value.</summary>
    public IReadOnlyList<PrometheusSample> Find(string name, params (string Label, string Value)[] labels) =>
        Named(name).Where(s => labels.All(l => s.Has(l.Label, l.Value))).ToList();

    /// <summary>The single sample's value, or null when there is none.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels)
    {
        var found = Find(name, labels);
        if (found.Count > 1) throw new InvalidOperationException($"{found.Count} samples of {name} match: {string.Join("; ", found)}");
        return found.Count == 1 ? found[0].Value : null;
    }

    /// <summary>The ActorCdc samples, for timeout messages.</summary>
    public override string ToString() => string.Join("\n", Samples.Where(s => s.Name.StartsWith("actorcdc_", StringComparison.Ordinal)));

    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4 && parts[1] == "TYPE") types[parts[2]] = parts[3];
                continue;
            }
            try { samples.Add(ParseSample(line)); }
            catch (FormatException e) { throw new FormatException($"line {lineNo}: {e.Message}: {line}", e); }
        }
        return new PrometheusText(samples, types, text);
    }

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        if (name.Length == 0) throw new FormatException("a sample without a metric name");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < line.Length && (line[i] == ' ' || line[i] == ',')) i++;
                if (i >= line.Length) throw new FormatException("unterminated label set");
                if (line[i] == '}') { i++; break; }
                var eq = line.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"') throw new FormatException("a label without =\"value\"");
                var label = line[i..eq].Trim();
                i = eq + 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw new FormatException("unterminated label value");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c == '\\' && i < line.Length)
                    {
                        var e = line[i++];
                        value.Append(e switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"bad escape \\{e}") });
                        continue;
                    }
                    value.Append(c);
                }
                labels[label] = value.ToString();
            }
        }
        var rest = line[i..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2) throw new FormatException("expected a value and an optional timestamp");
        return new PrometheusSample(name, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string s) => s switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"bad value '{s}'"),
    };
}
