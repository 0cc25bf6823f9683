using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;

namespace JinDu.Leads.Model;

/// <summary>
/// Checks and normalises an identifier typed by a user (an analyst, a tipster) so that the same value
/// gives the same token here as in Screening; masks it for display.
/// </summary>
public static class SubjectValues
{
    public const int MaxAddressLength = 200;

    public static bool TryNormalize(SubjectKind kind, string? text, DateOnly today, out string value, out string error)
    {
        value = "";
        switch (kind)
        {
            case SubjectKind.Person:
                if (!ResidentIdNumber.TryParse(text, today, out var id, out error)) return false;
                value = id.Value;
                return true;
            case SubjectKind.Vehicle:
                return PlateNumber.TryNormalize(text, out value, out error);
            case SubjectKind.Phone:
                return MobileNumber.TryNormalize(text, out value, out error);
            case SubjectKind.Parcel:
                return Waybill.TryNormalizeAny(text, out value, out error);
            case SubjectKind.Address:
                // One address, one token: spaces and full-width spaces do not make it another place.
                value = string.Concat((text ?? "").Where(c => !char.IsWhiteSpace(c)));
                error = value.Length == 0 ? "is required" : value.Length > MaxAddressLength ? $"must be at most {MaxAddressLength} characters" : "";
                return error.Length == 0;
            default:
                error = "is not a kind of subject";
                return false;
        }
    }

    public static string MaskOf(SubjectKind kind, string value) => kind switch
    {
        SubjectKind.Person => Mask.IdNumber(value),
        SubjectKind.Vehicle => Mask.Plate(value),
        SubjectKind.Phone => Mask.Phone(value),
        SubjectKind.Parcel => Mask.Waybill(value),
        // The first few characters name the county or the town, the rest (street, number) stays hidden.
        _ => value.Length <= 6 ? new string('*', value.Length) : value[..6] + "****",
    };
}
