using System.Text.Json;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace JinDu.Screening.Couriers;

public static class CourierFeedApi
{
    /// <summary>How large one HTTP upload may be (about 2.5 million records of CSV).</summary>
    public const long MaxUploadBytes = 1L << 30;

    public static IEndpointRouteBuilder MapCourierFeedApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/screening/v1/courier/parcels", Upload)
            .WithGroupName(Apis.InspectionsApi.Group).WithTags("Courier feed")
            .WithSummary("Upload parcel records (NDJSON or CSV); one receipt per record comes back as NDJSON")
            .Accepts<ParcelInput>("application/x-ndjson", "text/csv")
            .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes))
            .RequireAuthorization(p => p.RequireRole(Roles.Courier));
        return app;
    }

    private static async Task<IResult> Upload(HttpContext http, ParcelIngest ingest, CancellationToken ct)
    {
        var company = http.User.FindFirst(JinDuClaims.CourierCompany)?.Value;
        if (company is null)
            return TypedResults.Problem(title: "No courier company", detail: "The token names no courier company.", statusCode: StatusCodes.Status403Forbidden);
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var lines = mediaType switch
        {
            "application/x-ndjson" or "application/jsonl" or "application/json-lines" => FeedReaders.NdJson(http.Request.Body, ct),
            "text/csv" => FeedReaders.Csv(http.Request.Body, ct),
            _ => null,
        };
        if (lines is null)
            return TypedResults.Problem(title: "Unsupported media type",
                detail: "Send application/x-ndjson (one JSON record per line) or text/csv (header: " + string.Join(",", FeedReaders.CsvColumns) + ").",
                statusCode: StatusCodes.Status415UnsupportedMediaType, type: Problems.Validation);

        // The receipts are answered after the whole upload is read. Streaming them back while the body
        // is still coming would deadlock behind any HTTP/1.1 proxy (ours included): it sends the whole
        // request before it reads the response, so once the socket buffers fill, neither side moves.
        // They wait in a temporary file, not in memory: an upload may hold millions of records.
        await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var newline = "\n"u8.ToArray();
        await using (var json = new Utf8JsonWriter(spool, new JsonWriterOptions { SkipValidation = true }))
        {
            await ingest.RunAsync(lines, company, receipts =>
            {
                foreach (var receipt in receipts)
                {
                    JsonSerializer.Serialize(json, receipt, JsonDefaults.Api);
                    json.Flush();
                    spool.Write(newline);
                    json.Reset();
                }
                return Task.CompletedTask;
            }, ct);
        }
        spool.Position = 0;
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/x-ndjson";
        await spool.CopyToAsync(http.Response.Body, ct);
        return Results.Empty;
    }
}
