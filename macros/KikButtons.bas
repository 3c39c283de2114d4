Attribute VB_Name = "KikButtons"
Option Explicit

' Buttons of the xl_kik master workbook. Each button runs one xl_kik entry point
' (xl_kik/buttons.py) through RunPython of the standalone xlwings module in this
' workbook. Keep the commands in sync with BUTTON_MACROS in xl_kik/_vba/project.py.

Public Sub KikGenerate()
    RunPython "import xl_kik.buttons; xl_kik.buttons.generate()"
End Sub

Public Sub KikMerge()
    RunPython "import xl_kik.buttons; xl_kik.buttons.merge()"
End Sub

Public Sub KikPlan()
    RunPython "import xl_kik.buttons; xl_kik.buttons.plan()"
End Sub

Public Sub KikOpenReturns()
    RunPython "import xl_kik.buttons; xl_kik.buttons.open_returns()"
End Sub

Public Sub KikDoctor()
    RunPython "import xl_kik.buttons; xl_kik.buttons.doctor()"
End Sub
