using JinDu.BuildingBlocks.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace JinDu.UnitTests.Auth;

/// <summary>Configuration chooses where tokens come from; every choice validates strictly.</summary>
public sealed class Authentication_modes
{
    private static JwtBearerOptions OptionsFor(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        foreach (var (k, v) in settings) builder.Configuration[k] = v;
        builder.AddJinDuAuthentication();
        using var app = builder.Build();
        return app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
    }

    private static void AssertStrict(JwtBearerOptions o)
    {
        var p = o.TokenValidationParameters;
        Assert.True(p.ValidateIssuer && p.ValidateAudience && p.ValidateLifetime && p.ValidateIssuerSigningKey && p.RequireSignedTokens);
        Assert.True(p.ClockSkew <= TimeSpan.FromSeconds(30), $"clock skew {p.ClockSkew}");
        Assert.DoesNotContain(SecurityAlgorithms.None, p.ValidAlgorithms ?? []);
        Assert.Contains(SecurityAlgorithms.RsaSha256, p.ValidAlgorithms ?? []);
        Assert.DoesNotContain(SecurityAlgorithms.HmacSha256, p.ValidAlgorithms ?? []);
        Assert.False(o.MapInboundClaims);
    }

    [Fact]
    public void Any_oidc_provider_is_used_through_its_authority_and_audience()
    {
        var o = OptionsFor(new()
        {
            ["Auth:Mode"] = "Oidc", ["Auth:Authority"] = "https://idp.example.org/realms/jindu", ["Auth:Audience"] = "jindu-api",
        });
        Assert.Equal("https://idp.example.org/realms/jindu", o.Authority);
        Assert.Equal("jindu-api", o.TokenValidationParameters.ValidAudience);
        Assert.Equal("https://idp.example.org/realms/jindu", o.TokenValidationParameters.ValidIssuer);
        Assert.True(o.RequireHttpsMetadata);
        AssertStrict(o);
    }

    [Fact]
    public void A_configured_clock_skew_above_30_seconds_is_capped()
    {
        var o = OptionsFor(new() { ["Auth:Mode"] = "Oidc", ["Auth:Authority"] = "https://idp.example.org", ["Auth:ClockSkewSeconds"] = "300" });
        Assert.Equal(TimeSpan.FromSeconds(30), o.TokenValidationParameters.ClockSkew);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/")]
    [InlineData("https://login.partner.microsoftonline.cn/")] // the 21Vianet cloud
    public void Entra_id_is_used_through_microsoft_identity_web(string instance)
    {
        var tenant = "7b3f3a51-6f0e-4c4e-9d1c-6a1b2c3d4e5f";
        var o = OptionsFor(new()
        {
            ["Auth:Mode"] = "Entra",
            ["Auth:Entra:Instance"] = instance,
            ["Auth:Entra:TenantId"] = tenant,
            ["Auth:Entra:ClientId"] = "0d5c0a3e-1111-2222-3333-444455556666",
            ["Auth:Entra:Audience"] = "api://jindu",
        });
        Assert.StartsWith(instance + tenant, o.Authority);
        Assert.Equal("roles", o.TokenValidationParameters.RoleClaimType);
        AssertStrict(o);
    }
}
