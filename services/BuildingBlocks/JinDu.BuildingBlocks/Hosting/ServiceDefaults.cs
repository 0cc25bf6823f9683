using System.Diagnostics;
using JinDu.BuildingBlocks.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace JinDu.BuildingBlocks.Hosting;

public static class ServiceDefaults
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>
    /// What every JinDu host shares: OpenTelemetry where it is exported (HTTP → outbox → RabbitMQ → consumer in one
    /// trace), health checks, problem details for every error, the API's JSON shape and token validation.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddTelemetry(serviceName);

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            // A body that is not JSON of the expected shape: say where it broke instead of a bare 400.
            if (ctx.Exception is BadHttpRequestException { InnerException: System.Text.Json.JsonException json })
            {
                ctx.ProblemDetails.Type = Problems.Validation;
                ctx.ProblemDetails.Detail = "The request body is not valid JSON of the expected shape.";
                ctx.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>
                {
                    [string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.')] = [json.Message.Split(" Path:")[0]],
                };
            }
        });
        builder.Services.Configure<JsonOptions>(o => JsonDefaults.Configure(o.SerializerOptions));
        builder.AddJinDuAuthentication();
        return builder;
    }

    /// <summary>
    /// Traces and metrics, exported over OTLP, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; otherwise none at all.
    /// Registered without an exporter, the SDK still sampled every request, HTTP call, publish and consume, made and
    /// filled an Activity for each and aggregated their metrics, for nobody to read: at 200 flags/s (partner-latency,
    /// 2026-12-05, OTEL_SDK_DISABLED against the default, alternating) that was ~5% of Leads' CPU and ~9% of
    /// Cooperation's (~0.08 and ~0.12 ms a flag). A test or tool that listens to the sources itself (an ActivityListener)
    /// still sees the whole trace: the context travels as before.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("jindu-" + serviceName))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddSource("MassTransit")
                .AddSource("JinDu.*"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit"))
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>Error handling and authentication for a host; call before mapping endpoints.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (ctx, next) =>
        {
            // Every answer carries the correlation id it was called with (or the trace id), so a user
            // reporting a problem can quote it; the gateway sets it for calls that came without one.
            var id = ctx.Request.Headers[CorrelationHeader].ToString();
            if (string.IsNullOrEmpty(id))
            {
                id = Activity.Current?.TraceId.ToString() ?? ctx.TraceIdentifier;
                ctx.Request.Headers[CorrelationHeader] = id; // forwarded by the gateway to the service
            }
            ctx.Response.Headers[CorrelationHeader] = id;
            Activity.Current?.SetTag("jindu.correlation_id", id);
            await next();
        });
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Liveness (the process answers) and readiness (its database and broker answer), in every environment.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            // A degraded dependency (the broker reconnecting) is not ready either.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).AllowAnonymous();
        // The API documents are public reference material (no data): partners read them before they have a token.
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        return app;
    }
}
