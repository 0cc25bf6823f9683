using System.Buffers.Text;
using System.Text;

namespace JinDu.BuildingBlocks.Hosting;

/// <summary>Opaque paging cursors (?cursor=…&amp;limit=…, nextCursor in the answer).</summary>
public static class Cursor
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static string Encode(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    public static bool TryDecode(string? cursor, out string position)
    {
        position = "";
        if (string.IsNullOrEmpty(cursor)) return true;
        try
        {
            position = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Validates paging arguments, naming the bad one.</summary>
    public static bool TryRead(string? cursor, int? limit, ValidationErrors errors, out string position, out int take)
    {
        take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) errors.Add("limit", $"must be between 1 and {MaxLimit}");
        if (!TryDecode(cursor, out position)) errors.Add("cursor", "is not a cursor this API gave out");
        return errors.IsValid;
    }
}

public static class IdCursor
{
    /// <summary>
    /// Paging by row id, newest first, from the query string as typed (limit text, cursor): how many to take,
    /// and the id to continue below (null on the first page). Bad values are named in <paramref name="errors"/>.
    /// </summary>
    public static long? Read(string? limitText, string? cursor, ValidationErrors errors, out int take)
    {
        int? limit = null;
        if (!string.IsNullOrWhiteSpace(limitText))
        {
            if (int.TryParse(limitText.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)) limit = parsed;
            else errors.Add("limit", $"must be a whole number between 1 and {Cursor.MaxLimit}");
        }
        Cursor.TryRead(cursor, limit, errors, out var position, out take);
        if (position.Length == 0 || errors.Has("cursor")) return null;
        if (long.TryParse(position, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) return id;
        errors.Add("cursor", "is not a cursor this API gave out");
        return null;
    }
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
