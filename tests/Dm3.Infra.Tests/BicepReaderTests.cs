using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests;

/// <summary>The structure tests are only as good as the reader: these pin its behaviour on tricky Bicep.</summary>
public sealed class BicepReaderTests
{
    private const string Sample = """
        // a comment with a brace { and a quote '
        targetScope = 'subscription'

        /* block comment
           param hidden string
        */
        @description('Has a } brace and an escaped \' quote')
        @allowed([
          'a'
          'b'
        ])
        param choice string = 'a'

        @secure()
        param secret string

        var text = 'interpolated ${choice == 'a' ? '}' : '{'} end'
        var multi = '''
        param notAParam string
        {
        '''

        // Role: Example
        resource thing 'Microsoft.Example/things@2024-01-01' = if (choice == 'a') {
          name: 'thing'
          properties: {
            nested: {
              flag: false
            }
            'quoted-key': 'value: with colon'
            list: [
              'x'
            ]
          }
        }

        module mod 'modules/mod.bicep' = {
          name: 'mod'
        }

        output SOME_VALUE string = thing.properties.nested.flag ? 'x' : 'y'
        """;

    private static readonly BicepDocument s_doc = BicepDocument.Parse(Sample);

    [Fact]
    public void Reader_ignores_declarations_inside_comments_and_multiline_strings()
    {
        Assert.Equal(["choice", "secret"], s_doc.Params.Select(p => p.Name));
    }

    [Fact]
    public void Reader_attaches_multiline_decorators_to_the_next_declaration()
    {
        var choice = s_doc.Param("choice");
        Assert.True(choice.Declaration.HasDecorator("description"));
        Assert.True(choice.Declaration.HasDecorator("allowed"));
        Assert.Equal("'Has a } brace and an escaped \\' quote'", choice.Declaration.DecoratorArgument("description"));
        Assert.Equal("'a'", choice.DefaultValue);
        Assert.True(s_doc.Param("secret").Declaration.HasDecorator("secure"));
        Assert.Null(s_doc.Param("secret").DefaultValue);
    }

    [Fact]
    public void Reader_reads_target_scope_resources_modules_and_outputs()
    {
        Assert.Equal("subscription", s_doc.TargetScope);
        var thing = Assert.Single(s_doc.Resources);
        Assert.Equal("Microsoft.Example/things", thing.Type);
        Assert.Equal("2024-01-01", thing.ApiVersion);
        Assert.False(thing.IsExisting);
        Assert.Equal(["Role: Example"], thing.Declaration.LeadingComments);
        Assert.Equal("modules/mod.bicep", Assert.Single(s_doc.Modules).Path);
        Assert.Equal("SOME_VALUE", Assert.Single(s_doc.Outputs).Name);
    }

    [Fact]
    public void Object_reader_follows_nested_paths_and_quoted_keys()
    {
        var body = BicepObject.Parse(s_doc.Resources.Single().Body);
        Assert.Equal("'thing'", body["name"]);
        Assert.Equal("false", body.Find("properties.nested.flag"));
        Assert.Equal("'value: with colon'", body.Find("properties.quoted-key"));
        Assert.Null(body.Find("properties.missing"));
        Assert.Equal(["nested", "quoted-key", "list"], body.Object("properties")!.Keys);
    }

    [Fact]
    public void Lexer_collects_interpolated_strings_without_ending_them_at_inner_quotes()
    {
        var text = s_doc.Lexer.Strings.Single(s => s.Content.StartsWith("interpolated", StringComparison.Ordinal));
        Assert.Equal("interpolated ${choice == 'a' ? '}' : '{'} end", text.Content);
        Assert.True(text.IsInterpolated);
        Assert.DoesNotContain("hidden", s_doc.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void Object_reader_accepts_single_line_objects_with_commas()
    {
        var obj = BicepObject.Parse("{ name: 'custom', version: '1.0' }");
        Assert.Equal("'custom'", obj["name"]);
        Assert.Equal("'1.0'", obj["version"]);
    }
}
