using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JinDu.BuildingBlocks.Hosting;

/// <summary>Stable problem types (RFC 9457) so clients can branch on <c>type</c>, not on wording.</summary>
public static class Problems
{
    public const string Validation = "urn:jindu:problem:validation";
    public const string NotFound = "urn:jindu:problem:not-found";
    public const string Conflict = "urn:jindu:problem:conflict";
    public const string IdempotencyKeyReused = "urn:jindu:problem:idempotency-key-reused";

    public static ProblemHttpResult NotFoundProblem(string what) =>
        TypedResults.Problem(title: "Not found", detail: $"{what} does not exist or is outside your agency's scope.",
            statusCode: StatusCodes.Status404NotFound, type: NotFound);

    public static ProblemHttpResult ConflictProblem(string detail) =>
        TypedResults.Problem(title: "Conflict", detail: detail, statusCode: StatusCodes.Status409Conflict, type: Conflict);
}

/// <summary>Collects bad fields, then answers one 400 naming every one of them.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public ValidationErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public bool Has(string field) => _errors.ContainsKey(field);

    public ValidationProblem ToResult(string? detail = null) =>
        TypedResults.ValidationProblem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
            detail: detail ?? "One or more fields are invalid.", title: "Invalid request", type: Problems.Validation);
}
