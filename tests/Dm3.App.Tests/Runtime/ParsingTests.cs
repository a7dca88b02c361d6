using System.Text;
using Dm3.App.Configuration;
using Dm3.App.Runtime;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Configuration;

namespace Dm3.App.Tests.Runtime;

public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("0 */15 * * * *", "2025-06-01T10:07:31Z", "2025-06-01T10:15:00Z")]
    [InlineData("*/1 * * * * *", "2025-06-01T10:07:31.400Z", "2025-06-01T10:07:32Z")]
    [InlineData("30 5 2 * * *", "2025-06-01T02:05:30Z", "2025-06-02T02:05:30Z")]
    [InlineData("0 0 9-17/4 * * 1-5", "2025-06-06T17:00:00Z", "2025-06-09T09:00:00Z")]   // Friday 17:00 -> Monday 09:00
    [InlineData("0 0 0 29 2 *", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 12 1,15 * *", "2025-06-01T12:00:00Z", "2025-06-15T12:00:00Z")]
    [InlineData("0 0 0 * * 7", "2025-06-01T00:00:00Z", "2025-06-08T00:00:00Z")]          // 7 = Sunday
    [InlineData("0 0 0 31 12 *", "2025-12-31T00:00:00Z", "2026-12-31T00:00:00Z")]
    public void Next_occurrence_follows_the_six_field_schedule(string schedule, string after, string expected)
    {
        var next = CronSchedule.Parse(schedule).GetNextOccurrence(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Theory]
    [InlineData("0 */15 * * *", "expected 6 fields")]
    [InlineData("60 * * * * *", "second field")]
    [InlineData("0 0 24 * * *", "hour field")]
    [InlineData("0 0 0 0 * *", "day field")]
    [InlineData("0 0 0 * 13 *", "month field")]
    [InlineData("0 0 0 * * 8", "day-of-week field")]
    [InlineData("*/0 * * * * *", "step")]
    [InlineData("5-1 * * * * *", "reversed")]
    [InlineData("a * * * * *", "not a number")]
    [InlineData("1,,2 * * * * *", "empty list item")]
    public void Malformed_schedules_are_rejected_with_the_field_named(string schedule, string expected)
    {
        Assert.False(CronSchedule.TryParse(schedule, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_impossible_schedule_has_no_next_occurrence()
    {
        Assert.Null(CronSchedule.Parse("0 0 0 31 2 *").GetNextOccurrence(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Next_occurrence_is_strictly_later_and_matches_every_step_schedule() =>
        Prop.ForAll(Gen.Choose(1, 59).ToArbitrary(), Gen.Choose(0, 1_000_000_000).ToArbitrary(), (step, seconds) =>
        {
            var after = DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddMilliseconds(seconds % 1000);
            var next = CronSchedule.Parse($"*/{step} * * * * *").GetNextOccurrence(after)!.Value;
            return next > after && next.Second % step == 0 && next - after <= TimeSpan.FromSeconds(step + 1) && next.Millisecond == 0;
        }).QuickCheckThrowOnFailure();
}

public sealed class PipelineMessageReaderTests
{
    [Fact]
    public void A_pipeline_message_is_read_with_extra_properties_ignored()
    {
        Assert.True(PipelineMessageReader.TryRead("""{"id":"a1","kind":"envelope","ref":"inbox/x","extra":1}"""u8, out var message, out _));
        Assert.Equal(("a1", "envelope", "inbox/x"), (message.Id, message.Kind, message.Ref));
    }

    [Theory]
    [InlineData("""{"id":"a","kind":"k"}""", "needs string properties")]
    [InlineData("""{"id":"a","id":"b","kind":"k","ref":""}""", "duplicate 'id'")]
    [InlineData("""{"id":"a/b","kind":"k","ref":""}""", "'id' must be")]
    [InlineData("""{"id":"","kind":"k","ref":""}""", "'id' must be")]
    [InlineData("""{"id":"a","kind":"k","ref":""} x""", "trailing data")]
    [InlineData("""[1]""", "not a JSON object")]
    public void Bad_messages_are_rejected_with_a_reason(string json, string expected)
    {
        Assert.False(PipelineMessageReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

public sealed class SettingsReaderTests
{
    private static SettingsReader Reader(params (string Key, string Value)[] values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(SettingsReader.ToKey(v.Key), (string?)v.Value))).Build());

    [Fact]
    public void Double_underscore_names_read_colon_keys()
    {
        var reader = Reader(("Queues__MaxDequeueCount", "7"));
        Assert.Equal(7, reader.Int("Queues__MaxDequeueCount", 5, 1, 10));
        Assert.Equal(5, reader.Int("Queues__Missing", 5, 1, 10));
    }

    [Fact]
    public void Out_of_range_values_name_the_setting_and_the_range()
    {
        var ex = Assert.Throws<SettingsException>(() => Reader(("Queues__BatchSize", "99")).Int("Queues__BatchSize", 16, 1, 32));
        Assert.Equal("Configuration error: setting 'Queues__BatchSize' must be an integer from 1 to 32 (got '99').", ex.Message);
    }

    [Fact]
    public void Secret_values_are_never_echoed()
    {
        var ex = Assert.Throws<SettingsException>(() => Reader(("K", "c2VjcmV0")).OptionalBase64Key("K", 32));
        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
        var hex = Assert.Throws<SettingsException>(() => Reader(("H", "0xdeadbeef")).OptionalHexKey("H", 32));
        Assert.DoesNotContain("deadbeef", hex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_settings_values_become_configuration_keys()
    {
        var values = LocalSettings.Parse("""{"IsEncrypted":false,"Values":{"Storage__TablePrefix":"abc","Queues__BatchSize":8,"Flag":true}}""", "x");
        Assert.Equal("abc", values["Storage:TablePrefix"]);
        Assert.Equal("8", values["Queues:BatchSize"]);
        Assert.Equal("true", values["Flag"]);
        Assert.Throws<SettingsException>(() => LocalSettings.Parse("""{"Values":[1]}""", "x"));
    }
}
