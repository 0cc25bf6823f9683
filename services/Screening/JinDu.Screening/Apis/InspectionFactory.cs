using System.Security.Claims;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Model;

namespace JinDu.Screening.Apis;

/// <summary>Checks a posted inspection field by field and builds the record with personal data protected.</summary>
public sealed class InspectionFactory(ScreeningDbContext db, CheckpointCache checkpoints, PersonalDataProtector protector, TimeProvider time)
{
    public sealed record Built(Inspection? Inspection, ValidationErrors Errors);

    public async Task<Built> BuildAsync(PostInspectionRequest r, string agency, ClaimsPrincipal officer, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime.AddHours(8)); // birth dates are Beijing-time dates

        Checkpoint? checkpoint = null;
        if (r.CheckpointId is not { } checkpointId || checkpointId == Guid.Empty)
            errors.Add("checkpointId", "is required");
        else
        {
            checkpoint = await checkpoints.FindAsync(db, checkpointId, agency, ct);
            if (checkpoint is null) errors.Add("checkpointId", "is not a checkpoint of your agency");
            else if (!checkpoint.Active) errors.Add("checkpointId", "is not active");
        }

        var method = EnumText.Required<InspectionMethod>(r.Method, "method", errors);
        var result = EnumText.Required<InspectionResult>(r.Result, "result", errors);

        var inspectedAt = (r.InspectedAt ?? now).ToUniversalTime();
        if (inspectedAt > now.AddMinutes(5)) errors.Add("inspectedAt", "is in the future");
        else if (inspectedAt < now.AddDays(-30)) errors.Add("inspectedAt", "is more than 30 days ago; late records go through the supervisor");

        var subjects = BuildSubjects(r.Subject, today, errors);

        var seizures = new List<Seizure>();
        var lines = r.Seizures ?? [];
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var field = $"seizures[{i}]";
            var substance = line?.Substance?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(substance)) errors.Add(field + ".substance", "is required");
            else if (!Substances.All.Contains(substance)) errors.Add(field + ".substance", $"must be one of: {string.Join(", ", Substances.All)}");
            if (line?.Grams is not { } grams) errors.Add(field + ".grams", "is required");
            else if (grams <= 0) errors.Add(field + ".grams", "must be more than 0");
            else if (grams > Substances.MaxGrams) errors.Add(field + ".grams", $"must be at most {Substances.MaxGrams:0} (10 tonnes)");
            if (substance is not null && line?.Grams is { } g) seizures.Add(new Seizure { Substance = substance, Grams = g });
        }
        if (!errors.Has("result"))
        {
            if (result == InspectionResult.Seizure && lines.Count == 0) errors.Add("seizures", "a seizure needs at least one substance and weight");
            if (result != InspectionResult.Seizure && lines.Count > 0) errors.Add("seizures", "only a result of seizure lists seizures");
        }
        if (r.Notes is { Length: > 2000 }) errors.Add("notes", "must be at most 2000 characters");

        if (!errors.IsValid) return new Built(null, errors);
        return new Built(new Inspection
        {
            PublicId = Guid.CreateVersion7(),
            AgencyCode = agency,
            CheckpointId = checkpoint!.Id,
            Checkpoint = checkpoint,
            OfficerId = officer.CallerId(),
            OfficerName = officer.CallerName(),
            Method = method,
            Result = result,
            InspectedAt = inspectedAt,
            RecordedAt = now,
            Notes = r.Notes,
            Subjects = subjects,
            Seizures = seizures,
        }, errors);
    }

    private List<InspectionSubject> BuildSubjects(SubjectInput? s, DateOnly today, ValidationErrors errors)
    {
        var subjects = new List<InspectionSubject>();
        if (s is null || (string.IsNullOrWhiteSpace(s.IdNumber) && string.IsNullOrWhiteSpace(s.Plate)
                          && string.IsNullOrWhiteSpace(s.Phone) && string.IsNullOrWhiteSpace(s.Waybill)))
        {
            errors.Add("subject", "give at least one of idNumber, plate, phone or waybill");
            return subjects;
        }
        if (!string.IsNullOrWhiteSpace(s.IdNumber))
        {
            if (ResidentIdNumber.TryParse(s.IdNumber, today, out var id, out var error))
                subjects.Add(new InspectionSubject
                {
                    Kind = SubjectKind.Person, Token = protector.Token(SubjectKind.Person, id.Value), Masked = Mask.IdNumber(id.Value),
                    Encrypted = protector.Encrypt(id.Value), HouseholdCode = id.RegionCode,
                    EncryptedName = string.IsNullOrWhiteSpace(s.Name) ? null : protector.Encrypt(s.Name.Trim()),
                });
            else errors.Add("subject.idNumber", error);
        }
        else if (!string.IsNullOrWhiteSpace(s.Name))
            errors.Add("subject.idNumber", "is required when a name is given");
        if (s.Name is { Length: > 50 }) errors.Add("subject.name", "must be at most 50 characters");
        if (!string.IsNullOrWhiteSpace(s.Plate))
        {
            if (PlateNumber.TryNormalize(s.Plate, out var plate, out var error))
                subjects.Add(Subject(SubjectKind.Vehicle, plate, Mask.Plate(plate)));
            else errors.Add("subject.plate", error);
        }
        if (!string.IsNullOrWhiteSpace(s.Phone))
        {
            if (MobileNumber.TryNormalize(s.Phone, out var phone, out var error))
                subjects.Add(Subject(SubjectKind.Phone, phone, Mask.Phone(phone)));
            else errors.Add("subject.phone", error);
        }
        if (!string.IsNullOrWhiteSpace(s.Waybill))
        {
            // The courier is not known at a checkpoint: any courier's format, normalised as the feeds are.
            if (Waybill.TryNormalizeAny(s.Waybill, out var waybill, out var error))
                subjects.Add(Subject(SubjectKind.Parcel, waybill, Mask.Waybill(waybill)));
            else errors.Add("subject.waybill", error);
        }
        return subjects;
    }

    private InspectionSubject Subject(SubjectKind kind, string value, string masked) => new()
    {
        Kind = kind, Token = protector.Token(kind, value), Masked = masked, Encrypted = protector.Encrypt(value),
    };
}
