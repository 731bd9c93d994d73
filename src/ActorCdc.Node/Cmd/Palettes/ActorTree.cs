using System.Text;
using Akka.Actor;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>A node of <c>actor hierarchy</c>'s tree: the actor's path and name, its children, how many were left out.</summary>
public sealed record ActorTree(string Name, string Path, IReadOnlyList<ActorTree> Children, int Omitted)
{
    /// <summary>
    /// Walks the local actors under <paramref name="root"/> through their cells (Akka's internal API, local actors only)
    /// down to <paramref name="depth"/> levels, listing at most <paramref name="maxChildren"/> per actor.
    /// </summary>
    public static ActorTree Walk(IActorRef root, int depth, int maxChildren)
    {
        var children = new List<ActorTree>();
        var omitted = 0;
        if (depth > 0 && root is ActorRefWithCell cell)
        {
            var all = cell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal).ToList();
            omitted = Math.Max(0, all.Count - maxChildren);
            foreach (var child in all.Take(maxChildren)) children.Add(Walk(child, depth - 1, maxChildren));
        }
        else if (root is ActorRefWithCell deeper)
        {
            omitted = deeper.Children.Count();
        }
        var path = root.Path.ToStringWithoutAddress();
        return new ActorTree(root.Path.Name.Length == 0 ? "/" : root.Path.Name, path, children, omitted);
    }

    /// <summary>The tree with box-drawing branches, one actor per line; "(+N more)" where children were cut.</summary>
    public static string Render(ActorTree tree)
    {
        var sb = new StringBuilder();
        sb.Append(tree.Path).Append('\n');
        RenderChildren(tree, "", sb);
        return sb.ToString();
    }

    private static void RenderChildren(ActorTree node, string indent, StringBuilder sb)
    {
        for (var i = 0; i < node.Children.Count; i++)
        {
            var last = i == node.Children.Count - 1 && node.Omitted == 0;
            var child = node.Children[i];
            sb.Append(indent).Append(last ? "└─ " : "├─ ").Append(Uri.UnescapeDataString(child.Name));
            if (child.Children.Count == 0 && child.Omitted > 0) sb.Append("  (+").Append(child.Omitted).Append(" below)");
            sb.Append('\n');
            RenderChildren(child, indent + (last ? "   " : "│  "), sb);
        }
        if (node.Omitted > 0 && node.Children.Count > 0) sb.Append(indent).Append("└─ (+").Append(node.Omitted).Append(" more)\n");
    }
}
