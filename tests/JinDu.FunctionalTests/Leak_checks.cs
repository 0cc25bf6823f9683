using JinDu.Testing;
using Xunit.Sdk;

namespace JinDu.FunctionalTests;

/// <summary>The leak tests' own check: it finds an identifier's tail in any form a reader would recognise, and only there.</summary>
public sealed class Leak_checks
{
    private const string Person = "52272619900307001X";
    private const string Phone = "13812346120";

    [Theory]
    [InlineData("""{"subjectMasked":"5227**********001X"}""", Person)]
    [InlineData("""{"title":"尾号6120的手机"}""", Phone)]
    [InlineData("""{"title":"\u5C3E\u53F76120"}""", Phone)]
    [InlineData("""{"masked":"138xxxx6120"}""", Phone)]
    [InlineData("6120", Phone)]
    public void Finds_a_tail_a_reader_would_recognise(string text, string identifier) =>
        Assert.Throws<FalseException>(() => Leaks.AssertNoTail(text, identifier));

    [Theory]
    [InlineData("""{"title":"\u7D22 XS-522722-20261204-7D7863\u6120"}""")]
    [InlineData("""{"id":"0193a2b4-6120-7c3d-9e8f-a1b2c3d46120"}""")]
    [InlineData("""{"reference":"XS-522722-20261204-6120AB"}""")]
    [InlineData("""{"token":"ab61209f"}""")]
    public void Passes_four_digits_inside_ids_tokens_and_escapes(string text) => Leaks.AssertNoTail(text, Phone);
}
