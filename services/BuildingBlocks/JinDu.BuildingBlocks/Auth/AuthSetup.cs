using System.Security.Claims;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Tokens;

namespace JinDu.BuildingBlocks.Auth;

/// <summary>
/// Token validation, the same in every service and in the gateway. Configuration section "Auth" selects
/// where tokens come from (Mode):
///   Embedded — the local issuer runs in this process (standalone mode, tests);
///   Oidc     — any OpenID Connect provider at Auth:Authority (the local issuer hosted by the gateway is one);
///   Entra    — Microsoft Entra ID (also the 21Vianet cloud) through Microsoft.Identity.Web, section Auth:Entra.
/// In every mode issuer, audience, lifetime (30 s skew at most), signature and algorithm are checked.
/// </summary>
public static class AuthSetup
{
    public static string AgencyClaimType { get; private set; } = JinDuClaims.Agency;

    public static readonly string[] AllowedAlgorithms =
        [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256];

    public static IHostApplicationBuilder AddJinDuAuthentication(this IHostApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection("Auth");
        var mode = auth["Mode"] ?? "Embedded";
        var audience = auth["Audience"] ?? LocalTokenIssuer.DefaultAudience;
        AgencyClaimType = auth["AgencyClaim"] ?? JinDuClaims.Agency;
        var roleClaim = auth["RoleClaim"] ?? (mode == "Entra" ? "roles" : JinDuClaims.Role);

        if (mode.Equals("Entra", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
                .AddMicrosoftIdentityWebApi(auth.GetSection("Entra"), JwtBearerDefaults.AuthenticationScheme);
        }
        else
        {
            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        }

        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IServiceProvider>((o, sp) =>
            {
                o.MapInboundClaims = false;
                var p = o.TokenValidationParameters;
                p.ValidateIssuer = true;
                p.ValidateAudience = true;
                p.ValidateLifetime = true;
                p.ValidateIssuerSigningKey = true;
                p.RequireExpirationTime = true;
                p.RequireSignedTokens = true;
                p.ClockSkew = TimeSpan.FromSeconds(Math.Min(30, auth.GetValue("ClockSkewSeconds", 30)));
                p.ValidAlgorithms = AllowedAlgorithms;
                p.NameClaimType = JinDuClaims.Name;
                p.RoleClaimType = roleClaim;
                if (mode.Equals("Entra", StringComparison.OrdinalIgnoreCase))
                    return; // Microsoft.Identity.Web sets authority, issuer validation and audiences.

                p.ValidAudience = audience;
                if (mode.Equals("Embedded", StringComparison.OrdinalIgnoreCase))
                {
                    var issuer = sp.GetRequiredService<LocalTokenIssuer>();
                    p.ValidIssuer = issuer.Issuer;
                    p.IssuerSigningKey = issuer.SigningKey;
                }
                else
                {
                    o.Authority = auth["Authority"] ?? throw new InvalidOperationException("Auth:Authority is required in Oidc mode");
                    o.RequireHttpsMetadata = auth.GetValue("RequireHttpsMetadata", true);
                    p.ValidIssuer = auth["Issuer"] ?? o.Authority;
                }
                o.Events ??= new JwtBearerEvents();
                o.Events.OnTokenValidated = ctx =>
                {
                    // A JinDu token without an agency cannot be scoped: refuse it outright.
                    if (ctx.Principal?.FindFirst(AgencyClaimType) is null) ctx.Fail("the token carries no agency claim");
                    return Task.CompletedTask;
                };
            });

        if (!mode.Equals("Embedded", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddSingleton<SigningKeyStatus>();
            builder.Services.AddHostedService<SigningKeyWarmup>();
            builder.Services.AddHealthChecks().AddCheck<SigningKeyStatus>("token-keys", tags: ["ready"]);
        }

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
