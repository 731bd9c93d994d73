namespace ActorCdc.Core.Sinks;

/// <summary>
/// A table sink that names each write by the positions of its first and last change (StarRocks load labels): after a
/// crash, a replay must be grouped into exactly the same writes, so the engine persists each write's boundaries before
/// handing it over and regroups replays by them (DESIGN.md §3.4).
/// </summary>
public interface IRequiresStableBatches;
