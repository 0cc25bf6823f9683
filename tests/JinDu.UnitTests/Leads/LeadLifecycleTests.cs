using JinDu.Contracts;
using JinDu.Leads.Apis;
using JinDu.Leads.Model;

namespace JinDu.UnitTests.Leads;

public class The_lead_lifecycle
{
    [Theory]
    [InlineData(LeadStatus.New, LeadStatus.Triaged)]
    [InlineData(LeadStatus.Triaged, LeadStatus.Assigned)]
    [InlineData(LeadStatus.Assigned, LeadStatus.Investigating)]
    [InlineData(LeadStatus.Investigating, LeadStatus.CaseOpened)]
    [InlineData(LeadStatus.New, LeadStatus.Closed)]
    [InlineData(LeadStatus.Investigating, LeadStatus.Closed)]
    public void Allows_the_next_step_and_closing_an_active_lead(LeadStatus from, LeadStatus to) =>
        Assert.True(LeadLifecycle.CanMove(from, to));

    [Fact]
    public void Allows_nothing_else()
    {
        var allowed = new HashSet<(LeadStatus, LeadStatus)>
        {
            (LeadStatus.New, LeadStatus.Triaged), (LeadStatus.Triaged, LeadStatus.Assigned), (LeadStatus.Assigned, LeadStatus.Investigating),
            (LeadStatus.Investigating, LeadStatus.CaseOpened), (LeadStatus.New, LeadStatus.Closed), (LeadStatus.Triaged, LeadStatus.Closed),
            (LeadStatus.Assigned, LeadStatus.Closed), (LeadStatus.Investigating, LeadStatus.Closed),
        };
        foreach (var from in Enum.GetValues<LeadStatus>())
            foreach (var to in Enum.GetValues<LeadStatus>())
                Assert.Equal(allowed.Contains((from, to)), LeadLifecycle.CanMove(from, to));
    }

    [Theory]
    [InlineData(LeadStatus.CaseOpened)]
    [InlineData(LeadStatus.Closed)]
    public void Ends_at_a_case_or_closed(LeadStatus final) => Assert.Empty(LeadLifecycle.NextFrom(final));
}

public class Source_grading
{
    [Theory]
    [InlineData("A", true)]
    [InlineData("D", true)]
    [InlineData("X", true)]
    [InlineData("E", false)]
    [InlineData("", false)]
    [InlineData("AB", false)]
    [InlineData(null, false)]
    public void Reliability_is_A_to_D_or_X(string? text, bool valid) => Assert.Equal(valid, SourceGrading.IsReliability(text));

    [Theory]
    [InlineData(1, true)]
    [InlineData(4, true)]
    [InlineData(0, false)]
    [InlineData(5, false)]
    public void Credibility_is_1_to_4(int value, bool valid) => Assert.Equal(valid, SourceGrading.IsCredibility(value));
}

public class Typed_subjects
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    [Fact]
    public void An_address_is_the_same_place_whatever_the_spaces()
    {
        Assert.True(SubjectValues.TryNormalize(SubjectKind.Address, " 荔波县 玉屏街道\u3000某小区 ", Today, out var a, out _));
        Assert.True(SubjectValues.TryNormalize(SubjectKind.Address, "荔波县玉屏街道某小区", Today, out var b, out _));
        Assert.Equal(a, b);
    }

    [Fact]
    public void An_address_is_masked_after_its_first_six_characters()
    {
        Assert.Equal("贵州省黔南州****", SubjectValues.MaskOf(SubjectKind.Address, "贵州省黔南州荔波县玉屏街道"));
        Assert.Equal("****", SubjectValues.MaskOf(SubjectKind.Address, "某某小区"));
    }

    [Theory]
    [InlineData(SubjectKind.Phone, "+86 139 1234 5678", "13912345678")]
    [InlineData(SubjectKind.Vehicle, "贵J·12345", "贵J12345")]
    public void Other_identifiers_normalise_as_at_a_checkpoint(SubjectKind kind, string typed, string normalised)
    {
        Assert.True(SubjectValues.TryNormalize(kind, typed, Today, out var value, out var error), error);
        Assert.Equal(normalised, value);
    }

    [Theory]
    [InlineData(SubjectKind.Address, "")]
    [InlineData(SubjectKind.Phone, "12345")]
    [InlineData(SubjectKind.Person, "522726199002301234")]
    public void Bad_values_say_what_is_wrong(SubjectKind kind, string typed)
    {
        Assert.False(SubjectValues.TryNormalize(kind, typed, Today, out _, out var error));
        Assert.NotEmpty(error);
    }
}

public class Median_time_to_triage
{
    [Fact]
    public void Is_the_middle_value_or_the_mean_of_the_two_middle_ones()
    {
        Assert.Null(LeadFigures.Median([]));
        Assert.Equal(5, LeadFigures.Median([1, 5, 60]));
        Assert.Equal(7.5, LeadFigures.Median([1, 5, 10, 600]));
    }
}
