using System.Threading.RateLimiting;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using Microsoft.AspNetCore.RateLimiting;
using Scalar.AspNetCore;

namespace JinDu.Gateway;

/// <summary>
/// The one public entry: routes REST and gRPC to the services (routes and clusters in appsettings.json,
/// section ReverseProxy), validates tokens before anything is proxied (the services validate them again),
/// limits rates per caller and request sizes, and shows the services' OpenAPI documents in one reference.
/// In local runs it also hosts the demo token issuer, standing in for an OIDC provider.
/// Its active health checks probe the services' liveness, not readiness: a service whose broker is away
/// still takes writes (they wait in its outbox), so it must stay routable.
/// </summary>
public static class GatewayExtensions
{
    public const string PerCallerPolicy = "per-caller";
    /// <summary>The public's tip endpoints: no token, so limited per client address, and tightly.</summary>
    public const string TipsPolicy = "tips-per-address";
    public static readonly string[] Services = ["screening", "leads", "cooperation"];

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = config.GetValue<long>("Gateway:MaxRequestBodyBytes", 10 * 1024 * 1024));
        if (config["Auth:Mode"] is null or "Embedded")
            builder.AddLocalTokenIssuer();

        builder.Services.AddReverseProxy().LoadFromConfig(config.GetSection("ReverseProxy"));
        builder.Services.AddAuthorizationBuilder().AddPolicy("authenticated", p => p.RequireAuthenticatedUser());

        var permits = config.GetValue("Gateway:RateLimit:PermitsPerSecond", 500);
        var burst = config.GetValue("Gateway:RateLimit:Burst", 1000);
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(PerCallerPolicy, ctx => RateLimitPartition.GetTokenBucketLimiter(
                // A signed-in caller is limited as themselves; anonymous callers by address.
                ctx.User.Identity?.IsAuthenticated == true ? "u:" + ctx.User.CallerId() : "ip:" + ctx.Connection.RemoteIpAddress,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = permits,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            var tipsPerMinute = config.GetValue("Gateway:TipRateLimit:PermitsPerMinute", 10);
            o.AddPolicy(TipsPolicy, ctx => RateLimitPartition.GetFixedWindowLimiter(
                // The address is used for counting only, in memory; nothing about a tipster is written anywhere.
                "tip:" + ctx.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = tipsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) : "1";
                await Results.Problem(title: "Too many requests", detail: "Slow down and retry after the time in Retry-After.",
                    statusCode: StatusCodes.Status429TooManyRequests, type: "urn:jindu:problem:rate-limited").ExecuteAsync(ctx.HttpContext);
            };
        });
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        if (app.Configuration["Auth:Mode"] is null or "Embedded")
            app.MapLocalTokenIssuer();
        app.MapReverseProxy();
        app.MapScalarApiReference("/api-reference", o =>
        {
            o.WithTitle("JinDu Platform API");
            foreach (var s in Services) o.AddDocument(s, s, $"/openapi/{s}.json");
        }).AllowAnonymous();
        app.MapGet("/", () => Results.Redirect("/api-reference")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
