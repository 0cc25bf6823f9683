namespace JinDu.BuildingBlocks.Privacy;

/// <summary>How personal data is shown where the plaintext may not be: logs, events, lists, partners.</summary>
public static class Mask
{
    /// <summary>5227**********1234: prefecture and last four.</summary>
    public static string IdNumber(string id) => id.Length < 8 ? new string('*', id.Length) : id[..4] + new string('*', id.Length - 8) + id[^4..];

    /// <summary>138****5678.</summary>
    public static string Phone(string phone) => phone.Length < 7 ? new string('*', phone.Length) : phone[..3] + new string('*', phone.Length - 7) + phone[^4..];

    /// <summary>贵J***45: province, office, last two.</summary>
    public static string Plate(string plate) => plate.Length < 4 ? new string('*', plate.Length) : plate[..2] + new string('*', plate.Length - 4) + plate[^2..];

    /// <summary>张*, 张*明: family name and, for longer names, the last character.</summary>
    public static string Name(string name) => name.Length switch
    {
        0 => "",
        1 => "*",
        2 => name[..1] + "*",
        _ => name[..1] + new string('*', name.Length - 2) + name[^1..],
    };

    public static string Waybill(string waybill) => waybill.Length < 6 ? new string('*', waybill.Length) : waybill[..2] + new string('*', waybill.Length - 6) + waybill[^4..];
}
