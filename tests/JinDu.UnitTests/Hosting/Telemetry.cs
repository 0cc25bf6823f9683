using JinDu.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace JinDu.UnitTests.Hosting;

/// <summary>Traces and metrics are made where they are exported, and only there.</summary>
public sealed class Telemetry
{
    private static (TracerProvider? Traces, MeterProvider? Metrics) ProvidersWith(string? otlpEndpoint)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
        builder.AddServiceDefaults("test");
        using var app = builder.Build();
        return (app.Services.GetService<TracerProvider>(), app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void With_an_OTLP_endpoint_the_services_trace_and_measure()
    {
        var (traces, metrics) = ProvidersWith("http://127.0.0.1:4317");
        Assert.NotNull(traces);
        Assert.NotNull(metrics);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Without_one_nothing_is_sampled_or_aggregated_for_nobody(string? endpoint)
    {
        var (traces, metrics) = ProvidersWith(endpoint);
        Assert.Null(traces);
        Assert.Null(metrics);
    }
}
