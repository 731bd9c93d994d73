namespace ActorCdc.Benchmarks;

/// <summary>The process's own memory high-water mark (VmHWM of /proc/self/status), in bytes.</summary>
public static class PeakRss
{
    public static long Read()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }
}
