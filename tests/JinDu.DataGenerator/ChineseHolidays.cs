namespace JinDu.DataGenerator;

/// <summary>
/// Public holidays of the mainland as the State Council publishes them each November (放假调休 ranges only;
/// the make-up working Saturdays and Sundays count as ordinary days). 2025 and 2026 are in the table;
/// other years have no holidays here.
/// </summary>
public static class ChineseHolidays
{
    public sealed record Holiday(string Name, DateOnly First, DateOnly Last)
    {
        public bool Contains(DateOnly day) => day >= First && day <= Last;
        public int Days => Last.DayNumber - First.DayNumber + 1;
    }

    public static readonly IReadOnlyList<Holiday> All =
    [
        // 国办发明电〔2024〕12号
        new("元旦", new(2025, 1, 1), new(2025, 1, 1)),
        new("春节", new(2025, 1, 28), new(2025, 2, 4)),
        new("清明节", new(2025, 4, 4), new(2025, 4, 6)),
        new("劳动节", new(2025, 5, 1), new(2025, 5, 5)),
        new("端午节", new(2025, 5, 31), new(2025, 6, 2)),
        new("国庆节、中秋节", new(2025, 10, 1), new(2025, 10, 8)),
        // 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
        new("元旦", new(2026, 1, 1), new(2026, 1, 3)),
        new("春节", new(2026, 2, 15), new(2026, 2, 23)),
        new("清明节", new(2026, 4, 4), new(2026, 4, 6)),
        new("劳动节", new(2026, 5, 1), new(2026, 5, 5)),
        new("端午节", new(2026, 6, 19), new(2026, 6, 21)),
        new("中秋节", new(2026, 9, 25), new(2026, 9, 27)),
        new("国庆节", new(2026, 10, 1), new(2026, 10, 7)),
    ];

    public static Holiday? Find(DateOnly day) => All.FirstOrDefault(h => h.Contains(day));

    public static bool IsHoliday(DateOnly day) => Find(day) is not null;
}
