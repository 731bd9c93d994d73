using System.Diagnostics;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>./build.sh profile</c>: runs one benchmark child process under dotnet-trace (EventPipe sampling, written as
/// .nettrace plus a speedscope .json), set up through environment variables by build.sh:
/// ACTORCDC_TRACE_TOOL (the dotnet-trace executable), ACTORCDC_TRACE_OUT (output path without extension),
/// ACTORCDC_TRACE_VARIANT (which variant to trace) and ACTORCDC_TRACE_PROFILES (dotnet-trace profiles).
/// </summary>
public sealed class ProfileTrace
{
    private readonly string _tool;
    private readonly string _output;
    private readonly string _profiles;

    private ProfileTrace(string tool, string output, string profiles)
    {
        _tool = tool;
        _output = output;
        _profiles = profiles;
    }

    public static bool Enabled => Environment.GetEnvironmentVariable("ACTORCDC_TRACE_TOOL") is { Length: > 0 };

    /// <summary>The trace settings when <paramref name="variant"/> is the one to profile, else null.</summary>
    public static ProfileTrace? For(string variant)
    {
        if (!Enabled) return null;
        var wanted = Environment.GetEnvironmentVariable("ACTORCDC_TRACE_VARIANT") is { Length: > 0 } v ? v : "postgres";
        if (wanted != variant) return null;
        return new ProfileTrace(Environment.GetEnvironmentVariable("ACTORCDC_TRACE_TOOL")!,
            Environment.GetEnvironmentVariable("ACTORCDC_TRACE_OUT") ?? Path.Combine("artifacts", "profile", "streaming-" + variant),
            Environment.GetEnvironmentVariable("ACTORCDC_TRACE_PROFILES") is { Length: > 0 } p ? p : "dotnet-common,dotnet-sampled-thread-time");
    }

    /// <summary>The same command, launched by <c>dotnet-trace collect</c> from its first instruction (its output still shown).</summary>
    public ProcessStartInfo Wrap(ProcessStartInfo child)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_output))!);
        var psi = new ProcessStartInfo(_tool) { UseShellExecute = false, RedirectStandardOutput = child.RedirectStandardOutput };
        foreach (var a in new[] { "collect", "--profile", _profiles, "--format", "Speedscope", "--output", _output + ".nettrace", "--show-child-io", "--", child.FileName })
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in child.Environment) psi.Environment[k] = v;
        Console.WriteLine($"  tracing under dotnet-trace ({_profiles}) -> {_output}.nettrace");
        return psi;
    }

    public static void PrintWhere()
    {
        var output = Environment.GetEnvironmentVariable("ACTORCDC_TRACE_OUT") ?? "artifacts/profile/streaming-postgres";
        Console.WriteLine($"profile written: {output}.nettrace and {output}.speedscope.json (benchmark figures above include tracing overhead; not written to artifacts/bench)");
    }
}
