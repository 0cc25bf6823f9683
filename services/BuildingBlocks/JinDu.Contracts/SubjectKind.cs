namespace JinDu.Contracts;

/// <summary>The kinds of identifier a subject can be matched by.</summary>
public enum SubjectKind
{
    Person,
    Vehicle,
    Phone,
    Parcel,
}
