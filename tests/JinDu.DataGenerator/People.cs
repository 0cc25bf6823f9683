using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.DataGenerator;

/// <summary>Names, resident ID numbers, mobile numbers and plates that pass the production validators.</summary>
public static class People
{
    private static readonly string[] FamilyNames =
    [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
        "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
        "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
        "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "覃", "武", "戴", "莫", "孔", "向", "汤", "欧阳",
    ];

    private static readonly string[] MaleGiven =
    [
        "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇",
        "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "峰", "建", "国", "文", "志", "海", "东", "亮", "成", "江",
    ];

    private static readonly string[] FemaleGiven =
    [
        "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "婷", "雪", "慧", "红", "梅", "琳", "倩", "颖",
        "洁", "燕", "萍", "兰", "晶", "欣", "月", "佳", "莉", "丹", "琴", "蓉", "媛", "思", "雨", "婉", "玉", "春", "晓", "露",
    ];

    // Mobile number segments in use (China Mobile, Unicom, Telecom, Broadnet, virtual operators).
    private static readonly string[] MobilePrefixes =
    [
        "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150", "151", "152", "153",
        "155", "156", "157", "158", "159", "166", "170", "171", "173", "175", "176", "177", "178", "180", "181", "182",
        "183", "184", "185", "186", "187", "188", "189", "191", "192", "193", "195", "196", "197", "198", "199",
    ];

    private const string PlateLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ"; // never I or O
    private const string OfficeLetters = "ABCDEFGHJKLMN";

    private static readonly DateOnly EarliestBirth = new(1950, 1, 1);
    private static readonly int BirthSpanDays = new DateOnly(2005, 12, 31).DayNumber - EarliestBirth.DayNumber + 1;

    // 贵州's real office letters, so the demo prefecture's plates look right (贵J is 黔南).
    private static readonly Dictionary<string, char> GuizhouOffices = new()
    {
        ["5201"] = 'A', ["5202"] = 'B', ["5203"] = 'C', ["5206"] = 'D', ["5223"] = 'E',
        ["5205"] = 'F', ["5204"] = 'G', ["5226"] = 'H', ["5227"] = 'J',
    };

    public static string Name(Random rng, bool male)
    {
        var family = FamilyNames[rng.Next(FamilyNames.Length)];
        var given = male ? MaleGiven : FemaleGiven;
        return rng.Next(10) < 3
            ? family + given[rng.Next(given.Length)]
            : string.Concat(family, given[rng.Next(given.Length)], given[rng.Next(given.Length)]);
    }

    /// <summary>
    /// An 18-character resident ID number issued in <paramref name="region"/>, born 1950–2005, with the
    /// sequence's parity matching <paramref name="male"/> (odd for men, as GB 11643 says) and the right check character.
    /// </summary>
    public static string IdNumber(Random rng, string region, bool male)
    {
        var birth = DateOnly.FromDayNumber(EarliestBirth.DayNumber + rng.Next(BirthSpanDays));
        var sequence = rng.Next(500) * 2 + (male ? 1 : 0);
        return string.Create(18, (region, birth, sequence), static (span, s) =>
        {
            s.region.AsSpan().CopyTo(span);
            Digits(span.Slice(6, 4), s.birth.Year);
            Digits(span.Slice(10, 2), s.birth.Month);
            Digits(span.Slice(12, 2), s.birth.Day);
            Digits(span.Slice(14, 3), s.sequence);
            span[17] = ResidentIdNumber.ComputeCheckCharacter(span[..17]);
        });
    }

    public static string Mobile(Random rng)
    {
        var prefix = MobilePrefixes[rng.Next(MobilePrefixes.Length)];
        var rest = rng.Next(100_000_000);
        return string.Create(11, (prefix, rest), static (span, s) =>
        {
            s.prefix.AsSpan().CopyTo(span);
            Digits(span[3..], s.rest);
        });
    }

    /// <summary>
    /// A plate from <paramref name="homeCounty"/>'s province most of the time (its prefecture's office letter for
    /// 贵州), else from anywhere; about 15% new-energy plates, and large new-energy plates for trucks.
    /// </summary>
    public static string Plate(Random rng, string homeCounty, double localShare, bool truck)
    {
        string province;
        char office;
        if (rng.NextDouble() < localShare)
        {
            province = homeCounty[..2];
            office = GuizhouOffices.TryGetValue(homeCounty[..4], out var o) && rng.Next(10) < 7
                ? o
                : province == "52" ? "ABCDEFGHJ"[rng.Next(9)] : OfficeLetters[rng.Next(OfficeLetters.Length)];
        }
        else
        {
            province = Geography.Default.Provinces[rng.Next(Geography.Default.Provinces.Count)];
            office = OfficeLetters[rng.Next(OfficeLetters.Length)];
        }
        var abbreviation = Geography.PlateAbbreviation(province) ?? '贵';
        Span<char> plate = stackalloc char[8];
        plate[0] = abbreviation;
        plate[1] = office;
        var tail = plate[2..];
        int length;
        var kind = rng.NextDouble();
        if (truck && kind < 0.05)
        {
            // Large new-energy vehicle: 5 digits then D (battery) or F (hybrid).
            Digits(tail[..5], rng.Next(100_000));
            tail[5] = rng.Next(2) == 0 ? 'D' : 'F';
            length = 6;
        }
        else if (!truck && kind < 0.15)
        {
            // Small new-energy car: D or F, a letter or digit, then 4 digits.
            tail[0] = rng.Next(2) == 0 ? 'D' : 'F';
            tail[1] = rng.Next(3) == 0 ? PlateLetters[rng.Next(PlateLetters.Length)] : (char)('0' + rng.Next(10));
            Digits(tail[2..6], rng.Next(10_000));
            length = 6;
        }
        else
        {
            Digits(tail[..5], rng.Next(100_000));
            var letters = kind < 0.7 ? 0 : kind < 0.95 ? 1 : 2;
            for (var i = 0; i < letters; i++) tail[rng.Next(5)] = PlateLetters[rng.Next(PlateLetters.Length)];
            length = 5;
        }
        return new string(plate[..(2 + length)]);
    }

    /// <summary>Writes <paramref name="value"/> as exactly span.Length decimal digits, zero-padded.</summary>
    internal static void Digits(Span<char> span, long value)
    {
        for (var i = span.Length - 1; i >= 0; i--)
        {
            span[i] = (char)('0' + (int)(value % 10));
            value /= 10;
        }
    }
}
