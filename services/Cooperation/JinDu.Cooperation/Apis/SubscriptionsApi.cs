using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

public sealed record WatchIdentifier(string? Kind, string? Value);

public sealed record CreateSubscriptionRequest(
    IReadOnlyList<string>? Types,
    IReadOnlyList<string>? Substances,
    int? MinSeverity,
    IReadOnlyList<string>? Regions,
    IReadOnlyList<WatchIdentifier>? Watch);

public sealed record WatchedView(string Token, string Masked);

public sealed record SubscriptionView(Guid Id, string Agency, IReadOnlyList<string> Types, IReadOnlyList<string> Substances, int? MinSeverity,
    IReadOnlyList<string> Regions, IReadOnlyList<WatchedView> Watch, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>
/// A liaison's subscriptions for their own agency. Watched identifiers are typed in plaintext once, validated,
/// and kept only as matching tokens with a masked form; nothing shows them in full again.
/// </summary>
public static class SubscriptionsApi
{
    public const int MaxWatch = 500;

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/subscriptions").WithGroupName(InboxApi.Group).WithTags("Subscriptions")
            .RequireAuthorization(p => p.RequireRole(Roles.Liaison));

        api.MapGet("/", async (HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            var rows = await db.Subscriptions.AsNoTracking().Where(s => s.Agency == agency).OrderBy(s => s.Id).ToListAsync(ct);
            return TypedResults.Ok(new Page<SubscriptionView>(rows.Select(ToView).ToList(), null));
        });

        api.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            var s = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(x => x.PublicId == id && x.Agency == agency, ct);
            return s is null ? Problems.NotFoundProblem("The subscription") : TypedResults.Ok(ToView(s));
        });

        api.MapPost("/", async Task<IResult> (CreateSubscriptionRequest r, HttpContext http, CooperationDbContext db, DivisionCatalog divisions,
            PersonalDataProtector protector, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        {
            var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, r, ct);
            if (answer is not null) return answer;
            if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
            var errors = new ValidationErrors();
            var subscription = Build(r, errors, divisions, protector, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
            if (!errors.IsValid) return errors.ToResult();
            subscription.PublicId = Guid.CreateVersion7();
            subscription.Agency = http.User.Agency();
            subscription.CreatedBy = http.User.CallerId();
            subscription.CreatedAt = time.GetUtcNow();
            db.Subscriptions.Add(subscription);
            var view = ToView(subscription);
            var location = $"/api/cooperation/v1/subscriptions/{subscription.PublicId}";
            idempotency.Record(db, StatusCodes.Status201Created, view, location, time.GetUtcNow());
            audit.Record(db, http, "create", $"subscription/{subscription.PublicId}",
                detail: $"types={string.Join(',', view.Types)} watch={subscription.WatchTokens.Count}");
            return await db.SaveCreateAsync(idempotency, http, ct) ?? TypedResults.Created(location, view);
        });

        api.MapDelete("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, AuditTrail audit, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            var s = await db.Subscriptions.FirstOrDefaultAsync(x => x.PublicId == id && x.Agency == agency, ct);
            if (s is null) return Problems.NotFoundProblem("The subscription");
            if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
            db.Subscriptions.Remove(s);
            audit.Record(db, http, "delete", $"subscription/{id}");
            await db.SaveChangesAsync(ct);
            return TypedResults.NoContent();
        });
        return app;
    }

    private static Subscription Build(CreateSubscriptionRequest r, ValidationErrors errors, DivisionCatalog divisions, PersonalDataProtector protector, DateOnly today)
    {
        var s = new Subscription();
        if (r.Types is not { Count: > 0 }) errors.Add("types", $"name at least one of: {EnumText.Allowed<NoticeType>()}");
        else
            for (var i = 0; i < r.Types.Count; i++)
            {
                var type = EnumText.Required<NoticeType>(r.Types[i], $"types[{i}]", errors);
                if (errors.Has($"types[{i}]")) continue;
                if (!s.Types.Contains(type)) s.Types.Add(type);
            }
        for (var i = 0; i < (r.Substances?.Count ?? 0); i++)
        {
            var substance = r.Substances![i]?.Trim().ToLowerInvariant();
            if (substance is null || !Substances.All.Contains(substance)) errors.Add($"substances[{i}]", $"must be one of: {string.Join(", ", Substances.All.Order())}");
            else if (!s.Substances.Contains(substance)) s.Substances.Add(substance);
        }
        if (r.MinSeverity is { } min && min is < 1 or > 5) errors.Add("minSeverity", "must be between 1 and 5");
        s.MinSeverity = r.MinSeverity;
        for (var i = 0; i < (r.Regions?.Count ?? 0); i++)
        {
            var region = r.Regions![i]?.Trim();
            if (divisions.Find(region) is null) errors.Add($"regions[{i}]", "must be a county, prefecture or province code from the official division list");
            else if (!s.Regions.Contains(region!)) s.Regions.Add(region!);
        }
        if (r.Watch is { Count: > MaxWatch }) errors.Add("watch", $"at most {MaxWatch} identifiers");
        for (var i = 0; i < (r.Watch?.Count ?? 0) && i < MaxWatch; i++)
        {
            if (Watched(r.Watch![i], $"watch[{i}]", errors, protector, today) is not { } w || s.WatchTokens.Contains(w.Token)) continue;
            s.WatchTokens.Add(w.Token);
            s.WatchMasked.Add(w.Masked);
        }
        return s;
    }

    private static WatchedView? Watched(WatchIdentifier? w, string field, ValidationErrors errors, PersonalDataProtector protector, DateOnly today)
    {
        if (w is null) { errors.Add(field, "is required"); return null; }
        switch (w.Kind?.Trim().ToLowerInvariant())
        {
            case "person" when ResidentIdNumber.TryParse(w.Value, today, out var id, out _):
                return new(protector.Token(SubjectKind.Person, id.Value), Mask.IdNumber(id.Value));
            case "person":
                ResidentIdNumber.TryParse(w.Value, today, out _, out var idError);
                errors.Add(field + ".value", idError);
                return null;
            case "phone" when MobileNumber.TryNormalize(w.Value, out var phone, out _):
                return new(protector.Token(SubjectKind.Phone, phone), Mask.Phone(phone));
            case "phone":
                MobileNumber.TryNormalize(w.Value, out _, out var phoneError);
                errors.Add(field + ".value", phoneError);
                return null;
            case "vehicle" when PlateNumber.TryNormalize(w.Value, out var plate, out _):
                return new(protector.Token(SubjectKind.Vehicle, plate), Mask.Plate(plate));
            case "vehicle":
                PlateNumber.TryNormalize(w.Value, out _, out var plateError);
                errors.Add(field + ".value", plateError);
                return null;
            default:
                errors.Add(field + ".kind", "must be one of: person, phone, vehicle");
                return null;
        }
    }

    private static SubscriptionView ToView(Subscription s) =>
        new(s.PublicId, s.Agency, s.Types.Select(EnumText.Of).ToList(), s.Substances, s.MinSeverity, s.Regions,
            s.WatchTokens.Zip(s.WatchMasked, (t, m) => new WatchedView(t, m)).ToList(), s.CreatedBy, s.CreatedAt);
}

/// <summary>
/// Only a participating agency manages subscriptions, and when its registration names liaison accounts, only those.
/// </summary>
internal static class LiaisonCheck
{
    public static async Task<IResult?> RefuseAsync(CooperationDbContext db, HttpContext http, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var registered = await db.RegisteredAgencies.AsNoTracking().FirstOrDefaultAsync(a => a.Code == agency, ct);
        if (registered is null)
            return Problems.ConflictProblem($"Agency {agency} is not registered for cooperation yet; the platform admin registers participating agencies.");
        if (registered.LiaisonAccounts.Count > 0 && !registered.LiaisonAccounts.Contains(http.User.CallerId(), StringComparer.OrdinalIgnoreCase))
            return TypedResults.Problem(title: "Forbidden", detail: $"You are not a registered liaison of agency {agency}.", statusCode: StatusCodes.Status403Forbidden);
        return null;
    }
}
