namespace ActorCdc.Engine.Configuration;

/// <summary><c>actorcdc.node.log-format</c>: how the node writes its log lines.</summary>
public enum LogFormat : byte
{
    /// <summary>One readable line per event.</summary>
    Text = 1,
    /// <summary>One JSON object per line: timestamp, level, category, message and the structured properties.</summary>
    Json = 2,
}
