using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;

namespace JinDu.Screening.Couriers;

/// <summary>A record that passed every check, with personal data already protected; or why it did not.</summary>
public sealed record CheckedParcel(long Position, string WaybillText, Parcel? Parcel, string? ErrorCode, string? Field, string? Message)
{
    /// <summary>The parcel's identifiers as tokens and masked values, for watchlist matching and flags.</summary>
    public IReadOnlyList<FlaggedSubject> Subjects { get; init; } = [];

    public bool Accepted => Parcel is not null;
}

/// <summary>
/// Checks one feed record. The first problem found is reported with a stable code and the field's
/// name, so a courier's system can act on it; a record is never half-stored.
/// </summary>
public sealed class ParcelValidator(PersonalDataProtector protector, DivisionCatalog divisions, TimeProvider time)
{
    public const string MissingField = "missing_field";
    public const string InvalidField = "invalid_field";
    public const string WrongCompany = "wrong_company";
    public const string Inconsistent = "inconsistent";

    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public CheckedParcel Check(ParcelInput r, string callerCompany, long position)
    {
        var waybillText = r.Waybill?.Trim() ?? "";
        CheckedParcel Reject(string code, string field, string message) => new(position, waybillText, null, code, field, message);

        var now = time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(r.Company)) return Reject(MissingField, "company", "is required");
        var company = r.Company.Trim().ToUpperInvariant();
        if (!string.Equals(company, callerCompany, StringComparison.OrdinalIgnoreCase))
            return Reject(WrongCompany, "company", $"your client may send only {callerCompany}'s parcels");
        if (string.IsNullOrWhiteSpace(r.Waybill)) return Reject(MissingField, "waybill", "is required");
        if (!Waybill.TryNormalize(company, r.Waybill, out var waybill, out var waybillError)) return Reject(InvalidField, "waybill", waybillError);
        if (string.IsNullOrWhiteSpace(r.OutletCode)) return Reject(MissingField, "outletCode", "is required");
        var outlet = r.OutletCode.Trim().ToUpperInvariant();
        if (outlet.Length > 40 || !outlet.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            return Reject(InvalidField, "outletCode", "must be at most 40 letters, digits and dashes");
        if (r.AcceptedAt is not { } acceptedAt) return Reject(MissingField, "acceptedAt", "is required");
        acceptedAt = acceptedAt.ToUniversalTime();
        if (acceptedAt > now.AddMinutes(5)) return Reject(InvalidField, "acceptedAt", "is in the future");
        if (acceptedAt < now.AddDays(-30)) return Reject(InvalidField, "acceptedAt", "is more than 30 days ago");

        if (Region(r.OriginRegion, "originRegion", required: true) is { } originError) return Reject(originError.Code, "originRegion", originError.Message);
        if (Region(r.DestinationRegion, "destinationRegion", required: true) is { } destError) return Reject(destError.Code, "destinationRegion", destError.Message);
        if (Region(r.RecipientRegion, "recipientRegion", required: false) is { } recError) return Reject(recError.Code, "recipientRegion", recError.Message);

        var today = DateOnly.FromDateTime(now.UtcDateTime + ChinaOffset);
        string? senderId = null, senderPhone = null, recipientPhone = null;
        var senderName = r.Sender?.Name?.Trim();
        if (senderName is { Length: > 50 }) return Reject(InvalidField, "sender.name", "must be at most 50 characters");
        if (!string.IsNullOrWhiteSpace(r.Sender?.IdNumber))
        {
            if (!ResidentIdNumber.TryParse(r.Sender.IdNumber, today, out var id, out var idError)) return Reject(InvalidField, "sender.idNumber", idError);
            senderId = id.Value;
        }
        if (!string.IsNullOrWhiteSpace(r.Sender?.Phone))
        {
            if (!MobileNumber.TryNormalize(r.Sender.Phone, out var phone, out var phoneError)) return Reject(InvalidField, "sender.phone", phoneError);
            senderPhone = phone;
        }
        if (!string.IsNullOrWhiteSpace(r.RecipientPhone))
        {
            if (!MobileNumber.TryNormalize(r.RecipientPhone, out var phone, out var phoneError)) return Reject(InvalidField, "recipientPhone", phoneError);
            recipientPhone = phone;
        }
        if (r.RealNameVerified && (senderId is null || string.IsNullOrEmpty(senderName)))
            return Reject(Inconsistent, senderId is null ? "sender.idNumber" : "sender.name", "a real-name verified sender needs a name and an ID number");
        if (r.OpenedAndInspected && string.IsNullOrWhiteSpace(r.Inspector))
            return Reject(Inconsistent, "inspector", "an opened and inspected parcel names its inspector");
        var xray = r.XRayResult?.Trim().ToLowerInvariant();
        if (r.XRayed && xray is not ("clear" or "suspicious"))
            return Reject(r.XRayResult is null ? MissingField : InvalidField, "xRayResult", "an X-rayed parcel has a result: clear or suspicious");
        if (!r.XRayed && !string.IsNullOrEmpty(xray))
            return Reject(Inconsistent, "xRayResult", "a parcel that was not X-rayed has no X-ray result");
        if (r.WeightGrams is not { } weight) return Reject(MissingField, "weightGrams", "is required");
        if (weight is <= 0 or > 1_000_000) return Reject(InvalidField, "weightGrams", "must be between 1 and 1,000,000 (one tonne)");
        if (r.DeclaredContents is { Length: > 200 }) return Reject(InvalidField, "declaredContents", "must be at most 200 characters");
        if (r.Inspector is { Length: > 50 }) return Reject(InvalidField, "inspector", "must be at most 50 characters");
        if (r.XRayMachine is { Length: > 50 }) return Reject(InvalidField, "xRayMachine", "must be at most 50 characters");

        var parcel = new Parcel
        {
            Company = company,
            Waybill = waybill,
            WaybillToken = protector.Token(SubjectKind.Parcel, waybill),
            OutletCode = outlet,
            OutletRegion = r.OriginRegion!.Trim(),
            Day = DayOf(acceptedAt),
            AcceptedAt = acceptedAt,
            SenderNameEncrypted = string.IsNullOrEmpty(senderName) ? "" : protector.Encrypt(senderName),
            SenderIdEncrypted = senderId is null ? "" : protector.Encrypt(senderId),
            SenderIdToken = senderId is null ? "" : protector.Token(SubjectKind.Person, senderId),
            SenderIdMasked = senderId is null ? "" : Mask.IdNumber(senderId),
            SenderPhoneEncrypted = senderPhone is null ? "" : protector.Encrypt(senderPhone),
            SenderPhoneToken = senderPhone is null ? "" : protector.Token(SubjectKind.Phone, senderPhone),
            RecipientPhoneEncrypted = recipientPhone is null ? "" : protector.Encrypt(recipientPhone),
            RecipientPhoneToken = recipientPhone is null ? "" : protector.Token(SubjectKind.Phone, recipientPhone),
            RecipientRegion = r.RecipientRegion?.Trim() ?? "",
            DestinationRegion = r.DestinationRegion!.Trim(),
            DeclaredContents = r.DeclaredContents?.Trim() ?? "",
            WeightGrams = weight,
            RealNameVerified = r.RealNameVerified,
            OpenedAndInspected = r.OpenedAndInspected,
            Inspector = string.IsNullOrWhiteSpace(r.Inspector) ? null : r.Inspector.Trim(),
            XRayed = r.XRayed,
            XRayMachine = string.IsNullOrWhiteSpace(r.XRayMachine) ? null : r.XRayMachine.Trim(),
            XRayResult = r.XRayed ? xray : null,
            ReceivedAt = now,
        };
        var subjects = new List<FlaggedSubject>();
        if (senderId is not null) subjects.Add(new(SubjectKind.Person, parcel.SenderIdToken, parcel.SenderIdMasked, senderId[..6]));
        if (senderPhone is not null) subjects.Add(new(SubjectKind.Phone, parcel.SenderPhoneToken, Mask.Phone(senderPhone), null));
        if (recipientPhone is not null) subjects.Add(new(SubjectKind.Phone, parcel.RecipientPhoneToken, Mask.Phone(recipientPhone), null));
        return new CheckedParcel(position, waybill, parcel, null, null, null) { Subjects = subjects };
    }

    /// <summary>yyyyMMdd of an instant in China Standard Time.</summary>
    public static int DayOf(DateTimeOffset instant)
    {
        var local = instant.UtcDateTime + ChinaOffset;
        return local.Year * 10_000 + local.Month * 100 + local.Day;
    }

    public static DateOnly DateOf(int day) => new(day / 10_000, day / 100 % 100, day % 100);

    private (string Code, string Message)? Region(string? code, string field, bool required)
    {
        if (string.IsNullOrWhiteSpace(code)) return required ? (MissingField, "is required") : null;
        return divisions.Find(code.Trim()) is null
            ? (InvalidField, "must be a 6-digit division code from the official list")
            : null;
    }
}
