using ActorCdc.Cmd.Palettes;
using Xunit;

namespace ActorCdc.Cmd.Tests;

public class CommandParserTests
{
    private static readonly ArgumentDefinition Pipeline = new("pipeline", ["-p", "--pipeline"], "the pipeline", Mandatory: true);

    private static readonly CommandPalette Cdc = new("cdc", "change data capture", [
        new CommandDefinition("status", "pipeline status", [new ArgumentDefinition("pipeline", ["-p", "--pipeline"], "the pipeline")]),
        new CommandDefinition("profile", "shows the profile", [Pipeline]),
        new CommandDefinition("profile set", "forces a profile", [
            Pipeline,
            new ArgumentDefinition("profile", ["--profile"], "backfill, steady or auto", Mandatory: true),
            new ArgumentDefinition("force", ["-f", "--force"], "even while backfilling", IsFlag: true),
        ]),
        new CommandDefinition("tail", "streams changes", [
            new ArgumentDefinition("lines", ["-n", "--lines"], "lines to show first", Default: "10"),
            new ArgumentDefinition("offset", ["--offset"], "start offset"),
        ], Streaming: true),
    ]);

    private static readonly CommandPalette Cluster = new("cluster", "cluster membership", [
        new CommandDefinition("show", "members", []),
    ]);

    private readonly CommandParser _parser = new([Cdc, Cluster]);

    private CommandRequest Parse(string line, bool json = false) => _parser.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), json);

    private string Error(string line) => Assert.Throws<CommandUsageException>(() => Parse(line)).Message;

    [Fact]
    public void Mandatory_arguments_are_taken_positionally_in_definition_order()
    {
        var r = Parse("cdc profile set shop steady");
        Assert.Equal(("cdc", "profile set"), (r.Palette, r.Command));
        Assert.Equal("shop", r.Arguments["pipeline"]);
        Assert.Equal("steady", r.Arguments["profile"]);
        Assert.False(r.Arguments.ContainsKey("force"));
    }

    [Theory]
    [InlineData("cdc status -p shop")]
    [InlineData("cdc status --pipeline shop")]
    [InlineData("cdc status --pipeline=shop")]
    public void Short_long_and_equals_switches_set_an_argument(string line) =>
        Assert.Equal("shop", Parse(line).Arguments["pipeline"]);

    [Fact]
    public void A_switch_may_set_a_mandatory_argument_and_positionals_fill_the_rest()
    {
        var r = Parse("cdc profile set --profile steady shop");
        Assert.Equal("shop", r.Arguments["pipeline"]);
        Assert.Equal("steady", r.Arguments["profile"]);
    }

    [Theory]
    [InlineData("cdc profile set shop steady --force", "true")]
    [InlineData("cdc profile set shop -f steady", "true")]
    [InlineData("cdc profile set shop steady --force=false", "false")]
    public void Flags_take_no_value(string line, string expected) => Assert.Equal(expected, Parse(line).Arguments["force"]);

    [Fact]
    public void Defaults_fill_absent_arguments_and_absent_optionals_stay_absent()
    {
        var r = Parse("cdc tail");
        Assert.True(r.Arguments.TryGetValue("lines", out var lines) && lines == "10", string.Join(",", r.Arguments));
        Assert.False(r.Arguments.ContainsKey("offset"));
        Assert.Equal("50", Parse("cdc tail -n 50").Arguments["lines"]);
    }

    [Fact]
    public void The_longest_matching_command_name_wins()
    {
        Assert.Equal("profile set", Parse("cdc profile set shop steady").Command);
        var shorter = Parse("cdc profile shop");
        Assert.Equal("profile", shorter.Command);
        Assert.Equal("shop", shorter.Arguments["pipeline"]);
    }

    [Fact]
    public void Palette_and_command_names_ignore_case_and_come_back_canonical()
    {
        var r = Parse("CDC Profile SET shop steady");
        Assert.Equal(("cdc", "profile set"), (r.Palette, r.Command));
    }

    [Fact]
    public void Json_is_passed_through() => Assert.True(Parse("cluster show", json: true).Json);

    [Fact]
    public void A_negative_number_and_values_after_a_double_dash_are_values()
    {
        Assert.Equal("-5", Parse("cdc tail --offset -5").Arguments["offset"]);
        Assert.Equal("-odd-name", Parse("cdc profile -- -odd-name").Arguments["pipeline"]);
    }

    [Fact]
    public void Unknown_palette_lists_the_palettes()
    {
        var message = Error("nope status");
        Assert.Contains("unknown palette 'nope'", message);
        Assert.Contains("cdc, cluster", message);
    }

    [Fact]
    public void Unknown_command_lists_the_palettes_commands()
    {
        var message = Error("cdc explode");
        Assert.Contains("unknown command 'explode'", message);
        Assert.Contains("status, profile, profile set, tail", message);
    }

    [Fact]
    public void A_palette_without_a_command_lists_its_commands() =>
        Assert.Contains("status, profile, profile set, tail", Error("cdc"));

    [Fact]
    public void Nothing_typed_lists_the_palettes() =>
        Assert.Contains("cdc, cluster", Assert.Throws<CommandUsageException>(() => _parser.Parse([], false)).Message);

    [Fact]
    public void Missing_mandatory_argument_names_it_and_its_switches()
    {
        var message = Error("cdc profile set shop");
        Assert.Contains("missing argument 'profile'", message);
        Assert.Contains("--profile", message);
        var other = Error("cdc profile");
        Assert.Contains("missing argument 'pipeline'", other);
        Assert.Contains("-p or --pipeline", other);
    }

    [Fact]
    public void Unknown_switch_names_it_and_the_known_ones()
    {
        var message = Error("cdc status --pipe shop");
        Assert.Contains("unknown switch '--pipe'", message);
        Assert.Contains("-p/--pipeline", message);
    }

    [Fact]
    public void A_switch_without_its_value_is_an_error() => Assert.Contains("needs a value", Error("cdc status -p"));

    [Fact]
    public void A_value_no_argument_takes_is_an_error() => Assert.Contains("unexpected value 'extra'", Error("cdc profile shop extra"));

    [Fact]
    public void An_argument_given_twice_is_an_error() => Assert.Contains("given twice", Error("cdc status -p a --pipeline b"));

    [Fact]
    public void A_flag_with_a_value_other_than_true_or_false_is_an_error() =>
        Assert.Contains("is a flag", Error("cdc profile set shop steady --force=maybe"));

    [Fact]
    public void Every_error_is_one_line()
    {
        foreach (var line in new[] { "nope", "cdc", "cdc explode", "cdc profile set shop", "cdc status --x", "cdc status -p", "cdc profile a b" })
            Assert.DoesNotContain('\n', Error(line));
    }

    [Fact]
    public void Help_is_recognised_for_all_palettes_and_for_one()
    {
        Assert.True(_parser.IsHelp(["help"], out var all));
        Assert.Null(all);
        Assert.True(_parser.IsHelp(["cdc", "help"], out var cdc));
        Assert.Equal("cdc", cdc!.Name);
        Assert.True(_parser.IsHelp(["cdc", "status", "--help"], out _));
        Assert.False(_parser.IsHelp(["cdc", "status"], out _));
        Assert.Throws<CommandUsageException>(() => _parser.IsHelp(["nope", "help"], out _));
    }

    [Fact]
    public void Palette_help_shows_each_command_with_its_arguments()
    {
        var help = CommandParser.Help(Cdc);
        Assert.Contains("cdc profile set <pipeline> <profile> [--force]", help);
        Assert.Contains("cdc tail [--lines <lines>] [--offset <offset>]", help);
        Assert.Contains("-p, --pipeline <pipeline>", help);
        Assert.Contains("(default: 10)", help);
        Assert.Contains("(required)", help);
        Assert.Contains("streams until Ctrl+C", help);
        var all = _parser.Help();
        Assert.Contains("cdc", all);
        Assert.Contains("cluster membership", all);
    }
}
