using System.Security.Cryptography;
using System.Text;

namespace JinDu.Leads.Model;

public enum RewardDecision
{
    Undecided,
    Granted,
    NotGranted,
}

/// <summary>
/// An anonymous tip from the public (举报). Only what the tipster typed is kept (in its lead: text, identifiers,
/// address; here: the contact they chose to leave, encrypted) — no address, device or account of theirs. The
/// receipt code is kept only as a hash: the tipster holds the code, the platform can only recognise it.
/// </summary>
public sealed class Tip
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string ReceiptHash { get; set; } = "";
    /// <summary>The county the tip names: its agency owns the lead and decides on a reward.</summary>
    public string Agency { get; set; } = "";
    public long LeadId { get; set; }
    public Lead? Lead { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string? ContactEncrypted { get; set; }
    public string? ContactMasked { get; set; }
    public RewardDecision Reward { get; set; }
    public string? RewardDecidedBy { get; set; }
    public DateTimeOffset? RewardDecidedAt { get; set; }
    public string? RewardNote { get; set; }
    public int Version { get; set; }
}

/// <summary>Receipt codes: 128 random bits in Crockford base32 (no I, L, O, U), grouped for reading aloud.</summary>
public static class ReceiptCode
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        var bytes = RandomNumberGenerator.GetBytes(16);
        var chars = new StringBuilder(26);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) chars.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        var s = chars.ToString();
        return string.Join('-', Enumerable.Range(0, (s.Length + 4) / 5).Select(i => s.Substring(i * 5, Math.Min(5, s.Length - i * 5))));
    }

    /// <summary>Upper case, without separators; the letters people confuse read as the digits they look like.</summary>
    public static string Normalize(string? code) =>
        new((code ?? "").ToUpperInvariant().Where(c => c is not ('-' or ' ')).Select(c => c switch { 'O' => '0', 'I' or 'L' => '1', _ => c }).ToArray());

    public static string Hash(string? code) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(code)))).ToLowerInvariant();

    public static bool LooksValid(string? code)
    {
        var n = Normalize(code);
        return n.Length == 26 && n.All(Alphabet.Contains);
    }
}
