"""Cluster 01 社会保险关系管理: the six registration items, as the running system knows them.

Read by `shebao.core.items` (cases, menus, grants, audit labels, `catalog_coverage`).
"""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Grant, Link, Material, register_app, register_item

from . import documents as d
from . import presenters as p
from . import services as s
from .services import employers as emp
from .services import enrolment as enr
from .services import enrolment_apply as enr_apply
from .services import persons as per
from .services import restructure as res

ONLINE_EMPLOYER = Grant(Role.EMPLOYER, Action.HANDLE)
ONLINE_INSURED = Grant(Role.INSURED, Action.HANDLE)
STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)

register_app(
    AppUi(
        app="registration",
        home_urls={Role.EMPLOYER: "registration:portal-home", Role.INSURED: "registration:insured-home"},
        nav_links=(
            Link("单位查询", "registration:employer-list", STAFF, active_on=("registration:employer-detail",)),
            Link("人员查询", "registration:person-list", STAFF, active_on=("registration:person-detail",)),
        ),
        portal_links=(
            Link("我的单位", "registration:portal-home", (Role.EMPLOYER,)),
            Link(
                "职工名单 · 减员",
                "registration:portal-employees",
                (Role.EMPLOYER,),
                active_on=("registration:portal-leave",),
            ),
            Link("网上增员", "registration:portal-enrol", (Role.EMPLOYER,), item_code="01010201"),
            Link("批量增员", "registration:portal-enrol-bulk", (Role.EMPLOYER,), item_code="01010201"),
            Link("我的社保", "registration:insured-home", (Role.INSURED,)),
            Link(
                "变更联系方式",
                "registration:insured-change",
                (Role.INSURED,),
                item_code="01010202",
            ),
        ),
        quick_links=(
            Link("单位参保登记", "registration:employer-enrol", STAFF, item_code="01010101"),
            Link("个人参保登记", "registration:person-enrol", STAFF, item_code="01010201"),
            Link("批量增员", "registration:person-bulk", STAFF, item_code="01010201"),
            Link("单位查询", "registration:employer-list", STAFF, action=Action.VIEW),
            Link("人员查询", "registration:person-list", STAFF, action=Action.VIEW),
        ),
        audit_labels={"employer.import": "历史数据导入", "person.import": "历史数据导入"},
        object_urls={"employer": "registration:employer-detail", "person": "registration:person-detail"},
    )
)

register_item(
    BusinessItem(
        code="01010101",
        services=(s.employer_enrol,),
        applier=emp.apply_employer_enrol,
        presenter=p.present_employer_enrol,
        receipt=d.receipt_01010101,
        payload_types=(emp.EmployerEnrolPayload,),
        audit_labels={"employer.create": "单位参保登记"},
        materials=(
            Material("营业执照或其他核准执业证件"),
            Material("单位银行开户证明", required=False, note="委托银行代扣时提供"),
        ),
    )
)
register_item(
    BusinessItem(
        code="01010102",
        services=(s.employer_change, s.employer_restructure, s.employer_transfer_agency),
        applier=emp.apply_employer_change,
        presenter=p.present_employer_change,
        receipt=d.receipt_01010102,
        payload_types=(emp.EmployerChangePayload, res.EmployerRestructurePayload, res.EmployerTransferPayload),
        audit_labels={
            "employer.change": "单位信息变更",
            "employer.transfer_agency": "成建制转移",
            "person.move": "单位分立合并转移",
            "employer.cancel": "单位注销",
        },
        grants=(ONLINE_EMPLOYER,),
        materials=(Material("变更事项的证明文件", note="如营业执照变更、上级批文"),),
    )
)
register_item(
    BusinessItem(
        code="01010103",
        services=(s.employer_deregister,),
        applier=emp.apply_employer_deregister,
        presenter=p.present_employer_deregister,
        receipt=d.receipt_01010103,
        payload_types=(emp.EmployerDeregisterPayload,),
        audit_labels={"employer.cancel": "单位注销"},
        materials=(Material("注销、吊销或撤销的证明文件"),),
    )
)
register_item(
    BusinessItem(
        code="01010201",
        services=(s.person_enrol, s.person_enrol_bulk),
        applier=enr_apply.apply_person_enrol,
        presenter=p.present_person_enrol,
        receipt=d.receipt_01010201,
        payload_types=(enr.PersonEnrolPayload,),
        audit_labels={"person.enrol": "个人参保登记"},
        grants=(ONLINE_EMPLOYER, ONLINE_INSURED),
        materials=(Material("居民身份证或户口簿", required=False, note="窗口办理时核验原件"),),
    )
)
register_item(
    BusinessItem(
        code="01010202",
        services=(s.person_change,),
        applier=per.apply_person_change,
        presenter=p.present_person_change,
        receipt=d.receipt_01010202,
        payload_types=(per.PersonChangePayload,),
        audit_labels={"person.change": "个人信息变更"},
        grants=(ONLINE_EMPLOYER, ONLINE_INSURED),
        materials=(Material("变更姓名的户籍证明", required=False, note="变更姓名时提供"),),
    )
)
register_item(
    BusinessItem(
        code="01010203",
        services=(s.person_terminate,),
        applier=per.apply_person_terminate,
        presenter=p.present_person_terminate,
        receipt=d.receipt_01010203,
        payload_types=(per.PersonTerminatePayload,),
        audit_labels={"person.terminate": "社会保险关系终止"},
        grants=(ONLINE_EMPLOYER,),
        materials=(Material("死亡证明、出国定居证明等终止原因的证明材料"),),
    )
)
