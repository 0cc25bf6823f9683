using JinDu.BuildingBlocks.Privacy;

namespace JinDu.UnitTests.Privacy;

public class Masked_personal_data
{
    [Theory]
    [InlineData("522722199001011234", "5227**********1234")]
    [InlineData("11010519491231002X", "1101**********002X")]
    public void Shows_an_id_number_as_its_prefecture_and_last_four(string id, string masked)
    {
        var result = Mask.IdNumber(id);

        Assert.Equal(masked, result);
        Assert.Equal(18, result.Length);
        Assert.DoesNotContain(id[4..14], result);
    }

    [Fact]
    public void Shows_the_shape_5227_ten_stars_and_last_four_for_every_id_number()
    {
        var masked = Mask.IdNumber("522722199001011234");

        Assert.Matches(@"^\d{4}\*{10}\d{4}$", masked);
    }

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("19912340000", "199****0000")]
    public void Shows_a_phone_as_its_first_three_and_last_four(string phone, string masked)
    {
        Assert.Equal(masked, Mask.Phone(phone));
    }

    [Theory]
    [InlineData("贵J12345", "贵J***45")]
    [InlineData("粤BD12345", "粤B****45")]
    [InlineData("京AB1234", "京A***34")]
    public void Shows_a_plate_as_its_province_office_and_last_two(string plate, string masked)
    {
        Assert.Equal(masked, Mask.Plate(plate));
    }

    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("张三明", "张*明")]
    [InlineData("欧阳小明", "欧**明")]
    [InlineData("李", "*")]
    [InlineData("", "")]
    public void Shows_a_name_as_its_family_name_and_for_longer_names_the_last_character(string name, string masked)
    {
        Assert.Equal(masked, Mask.Name(name));
    }

    [Theory]
    [InlineData("SF1234567890123", "SF*********0123")]
    public void Shows_a_waybill_as_its_first_two_and_last_four(string waybill, string masked)
    {
        Assert.Equal(masked, Mask.Waybill(waybill));
    }

    [Theory]
    [InlineData("1234567")]
    [InlineData("12")]
    [InlineData("")]
    public void Hides_a_too_short_id_number_entirely(string id)
    {
        Assert.Equal(new string('*', id.Length), Mask.IdNumber(id));
    }

    [Theory]
    [InlineData("123456")]
    [InlineData("1")]
    public void Hides_a_too_short_phone_entirely(string phone)
    {
        Assert.Equal(new string('*', phone.Length), Mask.Phone(phone));
    }

    [Fact]
    public void Hides_a_too_short_plate_or_waybill_entirely()
    {
        Assert.Equal("***", Mask.Plate("贵J1"));
        Assert.Equal("*****", Mask.Waybill("SF123"));
    }
}
