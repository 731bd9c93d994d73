using System.Text.RegularExpressions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Configuration;

/// <summary>Maps source tables to sink tables with the first matching rule; unmatched tables keep their name.</summary>
public sealed class Routes(IReadOnlyList<RouteRule> rules)
{
    public IReadOnlyList<RouteRule> Rules { get; } = rules;

    public TableId Target(TableId source)
    {
        var name = source.ToString();
        foreach (var rule in Rules)
        {
            var m = rule.From.Match(name);
            if (m.Success && m.Length == name.Length) return TableId.Parse(m.Result(rule.To));
        }
        return source;
    }

    internal static Routes Parse(ConfigReader c)
    {
        var rules = new List<RouteRule>();
        if (!c.Config.HasPath("routes")) return new Routes(rules);
        var list = c.Config.GetValue("routes");
        if (list.IsEmpty) return new Routes(rules);
        IList<Akka.Configuration.Hocon.HoconValue> items;
        try { items = list.GetArray(); }
        catch (Exception) { throw new SettingsException(c.Key("routes"), list.ToString(), "a list such as [{ from = \"public.(.*)\", to = \"analytics.$1\" }]"); }
        var i = 0;
        foreach (var item in items)
        {
            var key = $"{c.Key("routes")}[{i++}]";
            if (!item.IsObject()) throw new SettingsException(key, item.ToString(), "an object { from = \"regex\", to = \"schema.table\" }");
            var obj = item.GetObject();
            var from = obj.GetKey("from")?.GetString();
            var to = obj.GetKey("to")?.GetString();
            if (string.IsNullOrWhiteSpace(from)) throw new SettingsException(key + ".from", null, "a regular expression matching schema.table");
            if (string.IsNullOrWhiteSpace(to)) throw new SettingsException(key + ".to", null, "a target such as analytics.$1");
            Regex regex;
            try { regex = new Regex("^(?:" + from + ")$", RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new SettingsException(key + ".from", from, "a valid regular expression (" + e.Message + ")"); }
            rules.Add(new RouteRule(regex, to));
        }
        return new Routes(rules);
    }
}
