namespace JinDu.Contracts;

/// <summary>The kinds of identifier a subject can be matched by.</summary>
public enum SubjectKind
{
    Person,
    Vehicle,
    Phone,
    Parcel,
    /// <summary>A place (an address typed in a lead or a tip), matched by its normalised text.</summary>
    Address,
}
