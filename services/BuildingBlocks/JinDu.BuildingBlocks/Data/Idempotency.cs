using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace JinDu.BuildingBlocks.Data;

/// <summary>
/// Idempotency-Key support for creates (checkpoints have poor networks; a retry must not duplicate):
/// the answer is stored in the same transaction as the record it created and replayed for a retry
/// with the same key and body; the same key with a different body is refused (422).
/// </summary>
public sealed class IdempotentRequest
{
    public const string HeaderName = "Idempotency-Key";
    private readonly string? _scope;
    private readonly string? _key;
    private readonly string _hash;

    private IdempotentRequest(string? scope, string? key, string hash)
    {
        _scope = scope;
        _key = key;
        _hash = hash;
    }

    /// <summary>
    /// Reads the key; returns a result to answer at once (a replay, a reuse error, a bad key) or null to go on.
    /// </summary>
    public static async Task<(IdempotentRequest Request, IResult? Answer)> BeginAsync(ServiceDbContext db, HttpContext http, object requestBody, CancellationToken ct)
    {
        var key = http.Request.Headers[HeaderName].ToString();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            http.Request.Method + " " + http.Request.Path + "\n" + JsonSerializer.Serialize(requestBody, MessageJsonWeb))));
        if (string.IsNullOrEmpty(key)) return (new IdempotentRequest(null, null, hash), null);
        if (key.Length > 200)
            return (new IdempotentRequest(null, null, hash), new ValidationErrors().Add(HeaderName, "must be at most 200 characters").ToResult());
        var scope = http.User.CallerId();
        var request = new IdempotentRequest(scope, key, hash);
        var stored = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key, ct);
        return (request, stored is null ? null : request.Replay(stored, http));
    }

    public bool HasKey => _key is not null;

    /// <summary>Adds the answer to the unit of work that creates the record.</summary>
    public void Record(ServiceDbContext db, int statusCode, object body, string? location, DateTimeOffset now)
    {
        if (_key is null) return;
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            Scope = _scope!, Key = _key, RequestHash = _hash, StatusCode = statusCode,
            Body = JsonSerializer.Serialize(body, MessageJsonWeb), Location = location, CreatedAt = now,
        });
    }

    /// <summary>After a unique-key failure on save: another request with this key won; answer with its result.</summary>
    public async Task<IResult?> ReplayWinnerAsync(ServiceDbContext db, HttpContext http, CancellationToken ct)
    {
        if (_key is null) return null;
        db.ChangeTracker.Clear();
        var stored = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == _scope && r.Key == _key, ct);
        return stored is null ? null : Replay(stored, http);
    }

    private IResult Replay(IdempotencyRecord stored, HttpContext http)
    {
        if (stored.RequestHash != _hash)
            return TypedResults.Problem(title: "Idempotency key reused",
                detail: $"The {HeaderName} '{_key}' was already used for a different request.",
                statusCode: StatusCodes.Status422UnprocessableEntity, type: Problems.IdempotencyKeyReused);
        http.Response.Headers["Idempotency-Replayed"] = "true";
        if (stored.Location is not null) http.Response.Headers.Location = stored.Location;
        return Results.Content(stored.Body, "application/json", Encoding.UTF8, stored.StatusCode);
    }

    private static readonly JsonSerializerOptions MessageJsonWeb = JsonDefaults.Api;
}
