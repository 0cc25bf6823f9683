using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Screening.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class CourierFeeds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "outlet_days",
                columns: table => new
                {
                    Company = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    OutletCode = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Day = table.Column<int>(type: "integer", nullable: false),
                    OutletRegion = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Parcels = table.Column<int>(type: "integer", nullable: false),
                    RealNameVerified = table.Column<int>(type: "integer", nullable: false),
                    OpenedAndInspected = table.Column<int>(type: "integer", nullable: false),
                    XRayed = table.Column<int>(type: "integer", nullable: false),
                    AllThree = table.Column<int>(type: "integer", nullable: false),
                    Suspicious = table.Column<int>(type: "integer", nullable: false),
                    BreachedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outlet_days", x => new { x.Company, x.OutletCode, x.Day });
                });

            migrationBuilder.CreateTable(
                name: "parcels",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Company = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Waybill = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    WaybillToken = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OutletCode = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    OutletRegion = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Day = table.Column<int>(type: "integer", nullable: false),
                    AcceptedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SenderNameEncrypted = table.Column<string>(type: "text", nullable: false),
                    SenderIdEncrypted = table.Column<string>(type: "text", nullable: false),
                    SenderIdToken = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SenderIdMasked = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SenderPhoneEncrypted = table.Column<string>(type: "text", nullable: false),
                    SenderPhoneToken = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RecipientPhoneEncrypted = table.Column<string>(type: "text", nullable: false),
                    RecipientPhoneToken = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RecipientRegion = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    DestinationRegion = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    DeclaredContents = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    WeightGrams = table.Column<int>(type: "integer", nullable: false),
                    RealNameVerified = table.Column<bool>(type: "boolean", nullable: false),
                    OpenedAndInspected = table.Column<bool>(type: "boolean", nullable: false),
                    Inspector = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    XRayed = table.Column<bool>(type: "boolean", nullable: false),
                    XRayMachine = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    XRayResult = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_parcels", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "referrals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    Company = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    Waybill = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Action = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    IssuingAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    IssuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AcknowledgedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referrals", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_outlet_days_Day_OutletRegion",
                table: "outlet_days",
                columns: new[] { "Day", "OutletRegion" });

            migrationBuilder.CreateIndex(
                name: "IX_parcels_Company_OutletCode_Day",
                table: "parcels",
                columns: new[] { "Company", "OutletCode", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_parcels_Company_Waybill",
                table: "parcels",
                columns: new[] { "Company", "Waybill" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_parcels_RecipientPhoneToken",
                table: "parcels",
                column: "RecipientPhoneToken");

            migrationBuilder.CreateIndex(
                name: "IX_parcels_SenderIdToken",
                table: "parcels",
                column: "SenderIdToken");

            migrationBuilder.CreateIndex(
                name: "IX_parcels_SenderPhoneToken",
                table: "parcels",
                column: "SenderPhoneToken");

            migrationBuilder.CreateIndex(
                name: "IX_referrals_Company_Sequence",
                table: "referrals",
                columns: new[] { "Company", "Sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_referrals_Company_Waybill",
                table: "referrals",
                columns: new[] { "Company", "Waybill" });

            migrationBuilder.CreateIndex(
                name: "IX_referrals_PublicId",
                table: "referrals",
                column: "PublicId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outlet_days");

            migrationBuilder.DropTable(
                name: "parcels");

            migrationBuilder.DropTable(
                name: "referrals");
        }
    }
}
