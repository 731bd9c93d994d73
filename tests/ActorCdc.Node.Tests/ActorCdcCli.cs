using System.Diagnostics;

namespace ActorCdc.Node.Tests;

/// <summary>Runs the real <c>actorcdc</c> client (actorcdc.dll from the build output) and captures what it printed.</summary>
public static class ActorCdcCli
{
    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static async Task<Run> RunAsync(IEnumerable<string> args, string? token = null, string? stdin = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "actorcdc.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("actorcdc.dll is not next to the tests; build the solution first", dll);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ACTORCDC_TOKEN");
        if (token is not null) psi.Environment["ACTORCDC_TOKEN"] = token;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start actorcdc");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"actorcdc {string.Join(' ', args)} did not exit within 60s; stdout so far:\n{await stdout}\nstderr:\n{await stderr}");
        }
        return new Run(p.ExitCode, await stdout, await stderr);
    }
}
